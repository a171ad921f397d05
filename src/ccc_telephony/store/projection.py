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
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import ColumnElement, bindparam, case, func, literal_column, null
from sqlalchemy.dialects.postgresql import Insert, insert
from sqlalchemy.ext.asyncio import AsyncConnection

from ccc_telephony.store.tables import callback_requests, calls

if TYPE_CHECKING:
    from ccc_telephony.store.events import CallEvent


@dataclass(frozen=True, slots=True)
class Projection:
    """`fields` maps calls columns to details keys; only keys present (not None) are set."""

    fields: Mapping[str, str] = field(default_factory=dict)
    at_column: str | None = None
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
}

Column = Callable[[str], ColumnElement[Any]]


def final_outcome(value: Column) -> ColumnElement[Any]:
    """The call's outcome from its facts, `value(column)` being each column's new value:
    answered by an agent, abandoned in a queue, else how the IVR part ended (a caller who was
    queued and ended with neither is `ended_in_queue`). None while the call is still going,
    unless an agent has answered it."""
    return case(
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
    values: dict[str, object] = {}
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


def _callback_request(call_id: str, details: Mapping[str, Any], at: datetime) -> Insert:
    return insert(callback_requests).values(
        call_id=call_id,
        caller_number=str(details.get("caller_number") or ""),
        caller_name=str(details.get("caller_name") or ""),
        language=str(details.get("language") or ""),
        recording=str(details.get("recording") or ""),
        duration_seconds=details.get("duration_seconds"),
        created_at=at,
    )


# Events that also create a row of another table (a recorded message is a callback request).
ROW_PROJECTIONS: Final[Mapping[str, Callable[[str, Mapping[str, Any], datetime], Insert]]] = {
    "message_recorded": _callback_request,
}


async def project(conn: AsyncConnection, events: Sequence[CallEvent]) -> None:
    """Apply the projection of `events` (newly inserted, in emit order) in a few statements."""
    waves: list[dict[_Shape, list[dict[str, object]]]] = []
    position: dict[str, int] = {}
    rows: list[Insert] = []
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
            rows.append(maker(event.call_id, event.details, event.at))
    for shapes in waves:
        for shape, params in shapes.items():
            sql, order = _upsert(conn, shape)
            rows_params = [tuple(p[key] for key in order) for p in params]
            # asyncpg's executemany costs more than an execute for a single row
            await conn.exec_driver_sql(
                sql, rows_params[0] if len(rows_params) == 1 else rows_params
            )
    for statement in rows:
        await conn.execute(statement)
