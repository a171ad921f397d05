"""Each caller's visit to a queue (`queue_visits`), kept by the call's own events in the event
writer's transaction (store/projection.py), so the reports read one row per visit and a visit
is never lost or counted twice: the writer projects only events it newly stored (a replayed
spool changes nothing), and the visit's key (call, queue, joined_at) is unique.

A caller may visit several queues (a blind transfer puts them in another one), or the same
queue again, so an event applies to the call's latest visit that it can apply to: an answer
to the latest visit of that queue still waiting, an agent's end to the latest visit that agent
answered. app_queue's events (over AMI) come in order; the transfer desk's and the IVR's (over
ARI) may come before or after them, so each statement is written to end the same either way.
A visit whose `queue_joined` never came (the service restarted while the caller waited) is
made by its answer or its abandon, joined `wait_seconds` before it.

A visit's outcome: answered (by an agent, and neither transferred nor escalated after),
abandoned (the caller hung up in the queue), transferred_out, escalated (to the Help lead or a
supervisor), callback (the caller chose to be called back instead of waiting) or left (the
call ended without app_queue saying why). Short abandons are counted when a report is read.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import (
    ColumnElement,
    Interval,
    and_,
    case,
    exists,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.sql.expression import Executable

from ccc_telephony.config.reports import Reports
from ccc_telephony.store.details import text as _text
from ccc_telephony.store.tables import TIMESTAMPTZ, calls, queue_interval_counts, queue_visits

if TYPE_CHECKING:
    from ccc_telephony.store.events import CallEvent

_v = queue_visits.c
_TRANSFERRED = ("answered", "transferred_out")
_TRANSFERRED_OUT = ("transferred_out", "escalated")
# queue_interval_counts' bins: quarter hours of UTC, which are every time zone's quarter hours.
BIN = timedelta(minutes=15)
BIN_ORIGIN = datetime(2000, 1, 1, tzinfo=UTC)


def _int(details: Mapping[str, Any], key: str) -> int | None:
    value = details.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _seconds_since(column: ColumnElement[Any], at: datetime) -> ColumnElement[Any]:
    """Whole seconds from `column` to `at` (never negative): for a figure an event left out."""
    elapsed = func.extract("epoch", literal(at, TIMESTAMPTZ) - column)
    return func.greatest(0, func.round(elapsed)).cast(queue_visits.c.wait_seconds.type)


def _case_key() -> ColumnElement[Any]:
    """The caller's case as the calls row holds it: its number, else the SSN's keyed hash."""
    return func.coalesce(literal("case:") + calls.c.case_number, literal("ssn:") + calls.c.ssn_hmac)


def _from_call(call_id: str, column: ColumnElement[Any]) -> Any:
    return select(column).where(calls.c.call_id == call_id).scalar_subquery()


def _visit(
    call_id: str, queue: str, joined_at: datetime, position: int | None, **facts: object
) -> dict[str, Any]:
    """A new visit's columns as SQL values: the caller's number and case from the calls row."""
    given = {"call_id": call_id, "queue": queue, "joined_at": joined_at, "position": position}
    values: dict[str, Any] = {
        key: literal(value, _v[key].type) for key, value in (given | facts).items()
    }
    values["caller_number"] = _from_call(call_id, calls.c.caller_number)
    values["case_key"] = _from_call(call_id, _case_key())
    return values


def _latest(call_id: str, *where: ColumnElement[bool]) -> Any:
    """The call's latest visit that meets `where`."""
    return (
        select(_v.id)
        .where(_v.call_id == call_id, *where)
        .order_by(_v.joined_at.desc(), _v.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def _joined(event: CallEvent) -> list[Executable]:
    queue = _text(event.details, "queue")
    if queue is None:
        return []
    visit = _visit(event.call_id, queue, event.at, _int(event.details, "position"))
    return [insert(queue_visits).values(visit).on_conflict_do_nothing()]


def _settled(event: CallEvent, facts: dict[str, Any], marker: str) -> list[Executable]:
    """Settle the call's visit still waiting in the event's queue with `facts` (a wait not
    told is counted from the join); if there is none (its join was never told), make it,
    joined its wait before. The settled visit is the one whose `marker` column is the
    event's moment."""
    queue = _text(event.details, "queue")
    if queue is None:
        return []
    at, wait = event.at, _int(event.details, "wait_seconds")
    waiting = _latest(
        event.call_id,
        _v.queue == queue,
        _v.answered_at.is_(None),
        _v.ended_at.is_(None),
        _v.joined_at <= at,
    )
    waited = _seconds_since(_v.joined_at, at) if wait is None else wait
    settle = update(queue_visits).where(_v.id == waiting).values(facts | {"wait_seconds": waited})
    made = _visit(
        event.call_id,
        queue,
        at - timedelta(seconds=wait or 0),
        _int(event.details, "position"),
        **facts,
        wait_seconds=wait or 0,
    )
    settled_now = exists().where(
        _v.call_id == event.call_id, _v.queue == queue, _v[marker] == literal(at, TIMESTAMPTZ)
    )
    missing = insert(queue_visits).from_select(
        list(made), select(*made.values()).where(~settled_now)
    )
    return [settle, missing.on_conflict_do_nothing()]


def _answered(event: CallEvent) -> list[Executable]:
    agent = _text(event.details, "agent")
    if agent is None:
        return []
    facts = {"answered_at": event.at, "agent_id": agent, "outcome": "answered"}
    return _settled(event, facts, "answered_at")


def _abandoned(event: CallEvent) -> list[Executable]:
    return _settled(event, {"ended_at": event.at, "outcome": "abandoned"}, "ended_at")


def _answered_by(event: CallEvent, agent: str | None) -> Any:
    """The call's latest visit answered (by `agent`, when named) by the event's moment."""
    by = [] if agent is None else [_v.agent_id == agent]
    return _latest(event.call_id, _v.answered_at.is_not(None), _v.answered_at <= event.at, *by)


def _completed(event: CallEvent) -> list[Executable]:
    """The agent's part ended: talk time as app_queue told it, else counted from the answer
    (an end app_queue never reported)."""
    agent = _text(event.details, "agent")
    if agent is None:
        return []
    talk = _int(event.details, "talk_seconds")
    talked = _seconds_since(_v.answered_at, event.at) if talk is None else talk
    visit = _answered_by(event, agent)
    return [
        update(queue_visits)
        .where(_v.id == visit, _v.talk_seconds.is_(None))
        .values(
            talk_seconds=talked, ended_at=func.coalesce(_v.ended_at, literal(event.at, TIMESTAMPTZ))
        )
    ]


def _handed_on(outcome: str, agent_key: str) -> Callable[[CallEvent], list[Executable]]:
    """The agent sent the caller on: transferred out, or escalated (which a later or earlier
    transfer of the same hand-off never turns back into a plain transfer)."""
    keeps = ("answered",) if outcome == "transferred_out" else _TRANSFERRED

    def statements(event: CallEvent) -> list[Executable]:
        visit = _answered_by(event, _text(event.details, agent_key))
        return [
            update(queue_visits)
            .where(_v.id == visit)
            .values(outcome=case((_v.outcome.in_(keeps), outcome), else_=_v.outcome))
        ]

    return statements


def _callback(event: CallEvent) -> list[Executable]:
    """The caller left the line to be called back: their latest unanswered visit."""
    queue = _text(event.details, "queue")
    if queue is None:
        return []
    visit = _latest(event.call_id, _v.queue == queue, _v.answered_at.is_(None))
    return [
        update(queue_visits)
        .where(_v.id == visit)
        .values(
            outcome="callback",
            ended_at=func.coalesce(_v.ended_at, literal(event.at, TIMESTAMPTZ)),
            wait_seconds=func.coalesce(_v.wait_seconds, _seconds_since(_v.joined_at, event.at)),
        )
    ]


def _call_ended(event: CallEvent) -> list[Executable]:
    """Visits still waiting when the call ended left without app_queue saying how."""
    return [
        update(queue_visits)
        .where(
            _v.call_id == event.call_id,
            _v.answered_at.is_(None),
            _v.ended_at.is_(None),
            _v.joined_at <= event.at,
        )
        .values(
            ended_at=event.at,
            outcome=func.coalesce(_v.outcome, "left"),
            wait_seconds=_seconds_since(_v.joined_at, event.at),
        )
    ]


VISIT_PROJECTIONS: Final[Mapping[str, Callable[[CallEvent], list[Executable]]]] = {
    "queue_joined": _joined,
    "agent_answered": _answered,
    "abandoned": _abandoned,
    "agent_call_completed": _completed,
    "transfer_completed": _handed_on("transferred_out", "from_agent"),
    "escalated": _handed_on("escalated", "agent"),
    "callback_accepted": _callback,
    "call_ended": _call_ended,
}


def statements(event: CallEvent) -> list[Executable]:
    """What `event` does to the call's visits (nothing for most events)."""
    make = VISIT_PROJECTIONS.get(event.name)
    return [] if make is None else make(event)


def linked(call_ids: Collection[str]) -> list[Executable]:
    """Each visit's next contact of the same case on another call, for these calls' visits
    and for the earlier visits of their cases: whatever order calls are written in, every
    visit ends with the first later one (first-contact resolution reads it)."""
    ids = sorted(call_ids)
    w = queue_visits.alias("w")

    def next_of(*where: ColumnElement[bool]) -> Any:
        return (
            select(func.min(w.c.joined_at))
            .where(
                w.c.case_key == _v.case_key,
                w.c.call_id != _v.call_id,
                w.c.joined_at > _v.joined_at,
                *where,
            )
            .scalar_subquery()
        )

    own = (
        update(queue_visits)
        .where(_v.call_id.in_(ids), _v.case_key.is_not(None))
        .values(next_contact_at=next_of())
    )
    batch = and_(w.c.call_id.in_(ids), w.c.case_key.is_not(None))
    cases = select(w.c.case_key).where(batch)
    first, last = (
        select(f(w.c.joined_at)).where(batch).scalar_subquery() for f in (func.min, func.max)
    )
    sooner = next_of(w.c.call_id.in_(ids))
    earlier = (
        update(queue_visits)
        .where(
            _v.case_key.in_(cases),
            # Only a visit joined before these calls' latest, whose next contact is none yet or
            # after their first, can get a sooner one: checked before the correlated `sooner`,
            # so a case with thousands of visits costs a scan, not a subquery per visit.
            _v.joined_at < last,
            or_(_v.next_contact_at.is_(None), _v.next_contact_at > first),
            or_(_v.next_contact_at.is_(None), sooner < _v.next_contact_at),
            sooner.is_not(None),
        )
        .values(next_contact_at=sooner)
    )
    return [own, earlier]


def counts(rules: Reports) -> list[Any]:
    """What a set of visits adds up to (a bucket of the interval report, a quarter hour of
    queue_interval_counts), by the reports' definitions (config/reports.py)."""
    answered = _v.answered_at.is_not(None)
    abandoned = _v.outcome == "abandoned"
    wait = func.coalesce(_v.wait_seconds, 0)
    short = wait < rules.short_abandon_seconds
    return [
        func.count().label("offered"),
        func.count(_v.answered_at).label("answered"),
        func.count().filter(answered, wait <= rules.service_level_seconds).label("answered_in_sl"),
        func.count().filter(abandoned, ~short).label("abandoned"),
        func.count().filter(abandoned, short).label("short_abandons"),
        func.coalesce(func.sum(wait).filter(answered), 0).label("wait_answered_seconds"),
        func.max(_v.wait_seconds).label("longest_wait_seconds"),
        func.count(_v.talk_seconds).filter(answered).label("talked"),
        func.coalesce(func.sum(_v.talk_seconds).filter(answered), 0).label("talk_seconds"),
        func.count().filter(_v.outcome.in_(_TRANSFERRED_OUT)).label("transfers_out"),
        func.count().filter(_v.outcome == "escalated").label("escalations"),
    ]


def bin_of(column: ColumnElement[Any]) -> ColumnElement[Any]:
    return func.date_bin(literal(BIN, Interval), column, literal(BIN_ORIGIN, TIMESTAMPTZ))


def _upsert_counts(recounted: Any) -> Executable:
    columns = [c.name for c in recounted.selected_columns]
    statement = insert(queue_interval_counts).from_select(columns, recounted)
    return statement.on_conflict_do_update(
        index_elements=["queue", "bin_start"],
        set_={name: statement.excluded[name] for name in columns[2:]},
    )


def _thresholds(rules: Reports) -> list[Any]:
    return [
        literal(rules.service_level_seconds).label("service_level_seconds"),
        literal(rules.short_abandon_seconds).label("short_abandon_seconds"),
    ]


def recount(call_ids: Collection[str], rules: Reports) -> Executable:
    """Count again the quarter hours of these calls' visits, from every visit in them: the
    counts are a function of the visits, so events in any order, or again, end the same."""
    touched = (
        select(_v.queue, bin_of(_v.joined_at).label("bin_start"))
        .where(_v.call_id.in_(sorted(call_ids)))
        .distinct()
        .subquery("touched")
    )
    in_bin = and_(
        _v.queue == touched.c.queue,
        _v.joined_at >= touched.c.bin_start,
        _v.joined_at < touched.c.bin_start + literal(BIN, Interval),
    )
    recounted = (
        select(_v.queue, touched.c.bin_start, *_thresholds(rules), *counts(rules))
        .select_from(touched.join(queue_visits, in_bin))
        .group_by(_v.queue, touched.c.bin_start)
    )
    return _upsert_counts(recounted)


def recount_between(start: datetime, end: datetime, rules: Reports) -> Executable:
    """Count again every quarter hour from `start` to `end` (whole quarter hours): after the
    policy's thresholds changed, or visits written without the event writer (the bench)."""
    bin_start = bin_of(_v.joined_at).label("bin_start")
    recounted = (
        select(_v.queue, bin_start, *_thresholds(rules), *counts(rules))
        .where(_v.joined_at >= start, _v.joined_at < end)
        .group_by(_v.queue, bin_start)
    )
    return _upsert_counts(recounted)
