"""How call events update the `calls` summary row (one per call), in the event writer's
transaction, so the row and the events never disagree.

Each event sets its own columns (`PROJECTIONS`), as an upsert keyed on call_id: the row can
start from any event (the service restarted mid-call), and the writer applies it only to
events newly inserted, which makes replaying a spool idempotent.

A call's `outcome` is set by no single event. Queue events come over AMI and the call's end
over ARI, in either order, so the outcome is derived from the facts the row holds (an agent
answered, the caller abandoned, how the IVR part ended) in the same statement that records
each fact: whatever order the events arrive in, the outcome ends the same.

Building and executing one statement per event cost more than the rest of the controller's
work per call, so the upserts run as one executemany per shape (event name and the columns it
sets), each shape's statement compiled once. Statements for different calls touch different
rows, so only the order of one call's events matters: the k-th event of each call in a batch
goes in "wave" k, and waves run in order.

Queue events also keep each caller's visit to a queue (store/visits.py), for the reports.

Some events also make or advance a row of another table (`ROW_PROJECTIONS`): a message recorded
after hours is a message to return (messages), an escalation is a follow-up the Help lead owes
the worker. Each is one statement keyed on the row's own id and written to be idempotent. An
event whose details lack what its row needs is stored without that row (and logged by name and
call id, never details): refusing it would stop the call-event log.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final
from uuid import UUID

import structlog
from sqlalchemy import ColumnElement, and_, bindparam, case, func, literal, literal_column, null
from sqlalchemy import update as sql_update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.expression import Executable

from ccc_telephony.config.conduct import DEFAULT_WRAPUP_MINUTES
from ccc_telephony.config.policy import DEFAULT_FOLLOWUP_HOURS
from ccc_telephony.config.reports import Reports
from ccc_telephony.store import contacts, interpreters, messages, threats, visits
from ccc_telephony.store.details import text as _text
from ccc_telephony.store.details import uuid_of as _uuid
from ccc_telephony.store.tables import calls, escalation_followups

if TYPE_CHECKING:
    from ccc_telephony.store.events import CallEvent

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Projection:
    """`fields` maps calls columns to details keys; only keys present (not None) are set."""

    fields: Mapping[str, str] = field(default_factory=dict)
    at_column: str | None = None
    # Columns the event sets to a fixed value, whatever its details say.
    sets: Mapping[str, str] = field(default_factory=dict)
    # call_started fills only empty columns: a later event may already have created the row,
    # and a repeated call_started must not overwrite what the first one recorded.
    keep_existing: bool = False


PROJECTIONS: Final[Mapping[str, Projection]] = {
    "call_started": Projection(
        fields={
            "caller_number": "caller_number",
            "caller_name": "caller_name",
            "dialed_number": "dialed_number",
        },
        at_column="started_at",
        keep_existing=True,
    ),
    "call_answered": Projection(at_column="answered_at"),
    "language_selected": Projection(fields={"language": "language"}),
    "menu_choice": Projection(fields={"program": "program"}),
    "caller_identified": Projection(
        fields={"case_number": "case_number", "ssn_last4": "ssn_last4", "ssn_hmac": "ssn_hmac"}
    ),
    "after_hours": Projection(fields={"hours_reason": "reason"}),
    "override_applied": Projection(fields={"hours_reason": "reason"}),
    "queued": Projection(fields={"queue": "queue"}),
    "operator_requested": Projection(fields={"queue": "queue"}),
    "agent_answered": Projection(
        fields={"agent_id": "agent", "wait_seconds": "wait_seconds"},
        at_column="agent_answered_at",
    ),
    "abandoned": Projection(fields={"wait_seconds": "wait_seconds"}, at_column="abandoned_at"),
    "call_ended": Projection(fields={"ivr_outcome": "outcome"}, at_column="ended_at"),
    "ended_by_agent_abusive": Projection(sets={"agent_ended": "abusive"}),
}

Column = Callable[[str], ColumnElement[Any]]


def final_outcome(value: Column) -> ColumnElement[Any]:
    """The call's outcome from its facts, `value(column)` being each column's new value:
    ended by its agent as abusive, answered by an agent, abandoned in a queue, else how the
    IVR part ended (a caller who was queued and ended with neither is `ended_in_queue`). None
    while the call is still going, unless an agent has answered it."""
    return case(
        (
            value("agent_ended") == literal_column("'abusive'"),
            literal_column("'ended_by_agent_abusive'"),
        ),
        (value("agent_answered_at").is_not(None), literal_column("'answered'")),
        (value("abandoned_at").is_not(None), literal_column("'abandoned'")),
        (value("ended_at").is_(None), null()),
        (value("ivr_outcome") == literal_column("'queued'"), literal_column("'ended_in_queue'")),
        else_=value("ivr_outcome"),
    )


_Shape = tuple[str, tuple[str, ...]]
_UPSERTS: dict[_Shape, tuple[str, tuple[str, ...]]] = {}  # shape -> (SQL, parameter order)


def _values(projection: Projection, details: Mapping[str, Any], at: datetime) -> dict[str, object]:
    """The columns an event sets. Values are bound parameters (caller-controlled strings are
    data, never SQL), converted to each column's type."""
    values: dict[str, object] = dict(projection.sets)
    if projection.at_column is not None:
        values[projection.at_column] = at
    for column, key in projection.fields.items():
        value = details.get(key)
        if value is not None:
            values[column] = _as_column_type(column, value)
    return values


def _as_column_type(column: str, value: Any) -> object:
    if calls.c[column].type.python_type is str:
        return value if isinstance(value, str) else str(value)
    return value


def _upsert(conn: AsyncConnection, shape: _Shape) -> tuple[str, tuple[str, ...]]:
    """The upsert for events of this shape, compiled for the connection's dialect."""
    cached = _UPSERTS.get(shape)
    if cached is not None:
        return cached
    name, columns = shape
    keep_existing = PROJECTIONS[name].keep_existing

    def inserted(column: str) -> ColumnElement[Any]:
        return bindparam(column, type_=calls.c[column].type) if column in columns else null()

    statement = insert(calls).values(
        {"call_id": bindparam("call_id")}
        | {column: bindparam(column, type_=calls.c[column].type) for column in columns}
        | {"outcome": final_outcome(inserted)}
    )
    excluded = statement.excluded

    def updated(column: str) -> ColumnElement[Any]:
        if column not in columns:
            return calls.c[column]
        if keep_existing:
            return func.coalesce(calls.c[column], excluded[column])
        return excluded[column]

    statement = statement.on_conflict_do_update(
        index_elements=[calls.c.call_id],
        set_={column: updated(column) for column in columns} | {"outcome": final_outcome(updated)},
    )
    compiled = statement.compile(dialect=conn.dialect)
    cached = (compiled.string, tuple(compiled.positiontup or ()))
    _UPSERTS[shape] = cached
    return cached


def _due_at_once(received_at: datetime) -> datetime:
    return received_at


@dataclass(frozen=True, slots=True)
class ProjectionRules:
    """The policy's numbers that row projections need. The event writer is built with them, as
    it applies the projections (when it writes, in its transaction), not the code that emits."""

    followup: timedelta = timedelta(hours=DEFAULT_FOLLOWUP_HOURS)
    wrapup_due: timedelta = timedelta(minutes=DEFAULT_WRAPUP_MINUTES)
    # When a message left after hours is due back (the service: the next business noon).
    after_hours_due: Callable[[datetime], datetime] = _due_at_once
    # The thresholds each queue's quarter-hour counts are kept by (store/visits.py).
    reports: Reports = field(default_factory=Reports)


RowProjection = Callable[["CallEvent", ProjectionRules], Executable | None]


def _after_hours_message(event: CallEvent, rules: ProjectionRules) -> Executable | None:
    """A message left on the main number after hours: tracked like every message, for the
    queue the caller chose, due by the rule the service gives (the next business noon)."""
    details = event.details
    recording = _text(details, "recording")
    if recording is None:
        return None
    duration = details.get("duration_seconds")
    return messages.left_after_hours(
        messages.NewMessage(
            source="after_hours",
            mailbox=None,
            queue=_text(details, "queue"),
            owner=None,
            call_id=event.call_id,
            caller_number=messages.kept_number(_text(details, "caller_number")),
            language=_text(details, "language") or "",
            case_number=messages.kept_case_number(_text(details, "case_number")),
            received_at=event.at,
            duration_seconds=None if duration is None else Decimal(str(duration)),
            recording=recording,
            due_at=rules.after_hours_due(event.at),
        )
    )


_followups = escalation_followups.c


def _escalation_id(details: Mapping[str, Any]) -> UUID | None:
    return _uuid(details.get("escalation_id"))


def _escalated(event: CallEvent, rules: ProjectionRules) -> Executable | None:
    """An open follow-up, due the policy's follow-up time after the escalation."""
    escalation_id = _escalation_id(event.details)
    fields = {key: _text(event.details, key) for key in ("agent", "target", "reason")}
    if escalation_id is None or None in fields.values():
        return None
    return (
        insert(escalation_followups)
        .values(
            id=escalation_id,
            call_id=event.call_id,
            agent_id=fields["agent"],
            target=fields["target"],
            reason=fields["reason"],
            from_lead_id=_text(event.details, "from_lead"),
            created_at=event.at,
            due_at=event.at + rules.followup,
            status="open",
        )
        .on_conflict_do_nothing(index_elements=[_followups.id])
    )


def _first(column: ColumnElement[Any], value: object) -> ColumnElement[Any]:
    """Keep what the row already holds: a replayed or repeated event changes nothing."""
    return func.coalesce(column, literal(value, column.type))


def _escalation_answered(event: CallEvent, _: ProjectionRules) -> Executable | None:
    """The lead who answered now owes the follow-up, even if the caller was returned first
    (events from the two calls of an attended transfer may come in either order)."""
    escalation_id = _escalation_id(event.details)
    lead = _text(event.details, "lead")
    if escalation_id is None or lead is None:
        return None
    return (
        sql_update(escalation_followups)
        .where(_followups.id == escalation_id)
        .values(
            lead_id=_first(_followups.lead_id, lead),
            answered_at=_first(_followups.answered_at, event.at),
            status=case(
                (_followups.status == "returned", literal("open")), else_=_followups.status
            ),
        )
    )


def _escalation_returned(event: CallEvent, _: ProjectionRules) -> Executable | None:
    """The caller is back with the worker. Nobody owes a follow-up unless a lead answered: the
    lead then heard the question, and the escalation stays open."""
    escalation_id = _escalation_id(event.details)
    if escalation_id is None:
        return None
    no_lead_yet = and_(_followups.status == "open", _followups.lead_id.is_(None))
    return (
        sql_update(escalation_followups)
        .where(_followups.id == escalation_id)
        .values(
            returned_at=_first(_followups.returned_at, event.at),
            returned_why=_first(_followups.returned_why, _text(event.details, "why")),
            status=case((no_lead_yet, literal("returned")), else_=_followups.status),
        )
    )


def _agent_answered(event: CallEvent, _: ProjectionRules) -> Executable | None:
    agent = _text(event.details, "agent")
    return None if agent is None else contacts.answered(event.call_id, agent, event.at)


def _agent_call_completed(event: CallEvent, rules: ProjectionRules) -> Executable | None:
    agent = _text(event.details, "agent")
    if agent is None:
        return None
    return contacts.completed(event.call_id, agent, event.at, rules.wrapup_due)


def _ended_abusive(event: CallEvent, _: ProjectionRules) -> Executable | None:
    agent = _text(event.details, "agent")
    return None if agent is None else contacts.ended_abusive(event.call_id, agent)


def _threat_flagged(event: CallEvent, _: ProjectionRules) -> Executable | None:
    """The threat's record, unless the service made it already (the usual case)."""
    details = event.details
    threat_id = _uuid(details.get("threat_id"))
    agent, by, source = (_text(details, key) for key in ("agent", "by", "source"))
    supervisors = details.get("supervisors")
    if threat_id is None or agent is None or by is None or source is None:
        return None
    if not isinstance(supervisors, list):
        return None
    return threats.flagged(
        threats.NewThreat(
            id=threat_id,
            call_id=event.call_id,
            case_number=_text(details, "case_number"),
            agent_id=agent,
            supervisor_ids=[str(s) for s in supervisors],
            flagged_at=event.at,
            flagged_by=by,
            source=source,
        )
    )


# Events that also create or advance a row of another table.
ROW_PROJECTIONS: Final[Mapping[str, RowProjection]] = {
    "message_recorded": _after_hours_message,
    "escalated": _escalated,
    "escalation_answered": _escalation_answered,
    "escalation_returned": _escalation_returned,
    "agent_answered": _agent_answered,
    "agent_call_completed": _agent_call_completed,
    "ended_by_agent_abusive": _ended_abusive,
    "threat_flagged": _threat_flagged,
    "interpreter_joined": interpreters.joined,
    "interpreter_documented": interpreters.documented,
    "interpreter_left": interpreters.left,
}


async def project(
    conn: AsyncConnection, events: Sequence[CallEvent], rules: ProjectionRules
) -> None:
    """Apply the projection of `events` (newly inserted, in emit order) in a few statements."""
    waves: list[dict[_Shape, list[dict[str, object]]]] = []
    position: dict[str, int] = {}
    rows: list[Executable] = []
    visited: set[str] = set()
    for event in events:
        projection = PROJECTIONS.get(event.name)
        if projection is not None:
            values = _values(projection, event.details, event.at)
            if values:
                wave = position.get(event.call_id, 0)
                position[event.call_id] = wave + 1
                if wave == len(waves):
                    waves.append({})
                shape = (event.name, tuple(values))
                waves[wave].setdefault(shape, []).append({"call_id": event.call_id, **values})
        maker = ROW_PROJECTIONS.get(event.name)
        if maker is not None:
            row = maker(event, rules)
            if row is None:
                log.warning(
                    "event without what its row needs", call_id=event.call_id, name=event.name
                )
            else:
                rows.append(row)
        made = visits.statements(event)
        if made:
            rows.extend(made)
            visited.add(event.call_id)
    for shapes in waves:
        for shape, params in shapes.items():
            sql, order = _upsert(conn, shape)
            rows_params = [tuple(p[key] for key in order) for p in params]
            # asyncpg's executemany costs more than an execute for a single row
            await conn.exec_driver_sql(
                sql, rows_params[0] if len(rows_params) == 1 else rows_params
            )
    if visited:
        rows.extend([*visits.linked(visited), visits.recount(visited, rules.reports)])
    for statement in rows:
        await conn.execute(statement)
