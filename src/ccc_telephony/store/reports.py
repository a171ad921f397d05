"""The reports' reads (issue 13): sums per queue and bucket (of the quarter-hour counts, or of
`queue_visits`), the abandoned visits with what followed them, agents' time per state (of the
days counted, or of their state intervals), repeat contacts and promises kept. Each read is a
few statements over an index on its time column; the reports package computes the shares and
averages from what these return. bench/RESULTS.md has their times over a year of data."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    TIMESTAMP,
    ColumnElement,
    Date,
    Integer,
    Interval,
    Text,
    and_,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.config.reports import Reports
from ccc_telephony.store.tables import (
    QUEUE_COUNTS,
    TIMESTAMPTZ,
    agent_day_calls,
    agent_day_states,
    agent_days_counted,
    agent_states,
    confidential_callbacks,
    escalation_followups,
    messages,
    queue_callbacks,
    queue_interval_counts,
    queue_visits,
)
from ccc_telephony.store.visits import BIN, BIN_ORIGIN, counts, recount_between

_v = queue_visits.c
_q = queue_interval_counts.c


@dataclass(frozen=True, slots=True)
class Window:
    """[start, end) and the buckets: `stride` counted from `origin`, or a calendar `unit`
    ('day', 'week', 'month') of the time zone `zone`."""

    start: datetime
    end: datetime
    zone: str
    origin: datetime
    stride: timedelta | None = None
    unit: str | None = None

    def bucket(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        """The start of the bucket `column` falls in, as an instant."""
        if self.stride is not None:
            return func.date_bin(
                literal(self.stride, Interval), column, literal(self.origin, TIMESTAMPTZ)
            )
        local = func.date_trunc(self.unit, func.timezone(self.zone, column))
        return func.timezone(self.zone, local)


def _in(window: Window, queues: Sequence[str] | None) -> list[ColumnElement[bool]]:
    where = [_v.joined_at >= window.start, _v.joined_at < window.end]
    if queues is not None:
        where.append(_v.queue.in_(list(queues)))
    return where


async def queue_counts(
    engine: AsyncEngine, window: Window, rules: Reports, queues: Sequence[str] | None
) -> list[dict[str, Any]]:
    """One row per queue and bucket with visits: `queue`, `bucket` and the counts. From the
    quarter-hour counts when the window is whole quarter hours and they were kept by these
    thresholds, else (an instant mid-quarter, the policy changed since) from the visits."""
    async with engine.connect() as conn:
        if _whole_bins(window) and not await conn.scalar(_recounted_otherwise(window, rules)):
            statement = _from_bins(window, queues)
        else:
            statement = _from_visits(window, rules, queues)
        return [dict(row) for row in (await conn.execute(statement)).mappings()]


def _whole_bins(window: Window) -> bool:
    return all((moment - BIN_ORIGIN) % BIN == timedelta(0) for moment in (window.start, window.end))


def _bins_in(window: Window, queues: Sequence[str] | None) -> list[ColumnElement[bool]]:
    where = [_q.bin_start >= window.start, _q.bin_start < window.end]
    if queues is not None:
        where.append(_q.queue.in_(list(queues)))
    return where


def _recounted_otherwise(window: Window, rules: Reports) -> Any:
    other = or_(
        _q.service_level_seconds != rules.service_level_seconds,
        _q.short_abandon_seconds != rules.short_abandon_seconds,
    )
    return select(exists().where(*_bins_in(window, None), other))


def _from_bins(window: Window, queues: Sequence[str] | None) -> Any:
    bucket = window.bucket(_q.bin_start).label("bucket")
    sums = [func.sum(_q[name]).cast(Integer).label(name) for name in QUEUE_COUNTS]
    return (
        select(
            _q.queue, bucket, *sums, func.max(_q.longest_wait_seconds).label("longest_wait_seconds")
        )
        .where(*_bins_in(window, queues))
        .group_by(_q.queue, bucket)
        .order_by(_q.queue, bucket)
    )


def _from_visits(window: Window, rules: Reports, queues: Sequence[str] | None) -> Any:
    bucket = window.bucket(_v.joined_at).label("bucket")
    return (
        select(_v.queue, bucket, *counts(rules))
        .where(*_in(window, queues))
        .group_by(_v.queue, bucket)
        .order_by(_v.queue, bucket)
    )


async def abandoned_visits(
    engine: AsyncEngine,
    window: Window,
    queues: Sequence[str] | None,
    *,
    again_within: timedelta,
    limit: int,
) -> list[dict[str, Any]]:
    """Abandoned visits, oldest first, each with whether the caller was called back (a queue
    callback of the same call reached them) and when the same number or case next reached a
    queue within `again_within` (None: not again)."""
    later = queue_visits.alias("later")
    w = later.c
    same_caller = or_(
        and_(_v.caller_number.is_not(None), w.caller_number == _v.caller_number),
        and_(_v.case_key.is_not(None), w.case_key == _v.case_key),
    )
    called_again = (
        select(func.min(w.joined_at))
        .where(
            same_caller,
            w.call_id != _v.call_id,
            w.joined_at > _v.joined_at,
            w.joined_at < _v.joined_at + literal(again_within, Interval),
        )
        .scalar_subquery()
    )
    called_back = exists().where(
        queue_callbacks.c.call_id == _v.call_id, queue_callbacks.c.state == "connected"
    )
    statement = (
        select(
            _v.call_id,
            _v.joined_at,
            _v.ended_at,
            _v.queue,
            _v.caller_number,
            _v.wait_seconds,
            _v.position,
            called_back.label("called_back"),
            called_again.label("called_again_at"),
        )
        .where(*_in(window, queues), _v.outcome == "abandoned")
        .order_by(_v.joined_at, _v.id)
        .limit(limit)
    )
    async with engine.connect() as conn:
        return [dict(row) for row in (await conn.execute(statement)).mappings()]


# --- agents ------------------------------------------------------------------------------------
_MICROSECOND = timedelta(microseconds=1)
_UNITS = frozenset({"day", "week", "month"})


def _pieces(
    window: Window, agents: Sequence[str] | None, now: datetime, unit: str | None = None
) -> Any:
    """Each agent state interval overlapping the window, clipped to it (an open one runs to
    `now`) and cut into a piece per bucket it touches (`unit`: calendar buckets of that unit
    instead of the window's own): agent_id, state, reason, bucket, seconds. A state across
    midnight counts in both days."""
    a = agent_states.c
    start, end = literal(window.start, TIMESTAMPTZ), literal(window.end, TIMESTAMPTZ)
    who = [] if agents is None else [a.agent_id.in_(list(agents))]
    until = func.coalesce(a.ended_at, literal(min(max(now, window.start), window.end), TIMESTAMPTZ))
    i = (
        select(
            a.agent_id,
            a.state,
            a.reason,
            func.greatest(a.started_at, start).label("s"),
            func.least(until, end).label("e"),
        )
        .where(a.started_at < end, until > start, *who)
        .subquery("i")
    )
    last = i.c.e - literal(_MICROSECOND, Interval)
    unit = unit or window.unit
    if unit is None:
        stride = literal(window.stride, Interval)
        first = func.date_bin(stride, i.c.s, literal(window.origin, TIMESTAMPTZ))
        b = (
            func.generate_series(first, last, stride)
            .table_valued("start")
            .render_derived()
            .lateral("b")
        )
        bucket: ColumnElement[Any] = b.c.start
        following = b.c.start + stride
    else:
        if unit not in _UNITS:
            raise ValueError(f"not a calendar unit: {unit}")
        zone = literal(window.zone, Text)
        step: ColumnElement[Any] = literal_column(f"interval '1 {unit}'")
        local_first = func.date_trunc(unit, func.timezone(zone, i.c.s))
        b = (
            func.generate_series(local_first, func.timezone(zone, last), step)
            .table_valued("start")
            .render_derived()
            .lateral("b")
        )
        bucket, following = func.timezone(zone, b.c.start), func.timezone(zone, b.c.start + step)
    seconds = func.extract("epoch", func.least(i.c.e, following) - func.greatest(i.c.s, bucket))
    return (
        select(
            i.c.agent_id,
            i.c.state,
            i.c.reason,
            bucket.label("bucket"),
            seconds.label("seconds"),
        )
        .select_from(i.join(b, true()))
        .where(i.c.e > i.c.s)
        .subquery("p")
    )


AgentRows = tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]


async def agent_time(
    engine: AsyncEngine, window: Window, agents: Sequence[str], now: datetime
) -> AgentRows:
    """Per agent and bucket: seconds per state and reason; the days they were logged in (the
    days the team's protected time is owed for); calls handled and talk time. Days that are
    over come from the days counted (counted first if need be); the rest from the states."""
    if window.unit is None:
        return await _live(engine, window, agents, now)
    cut = min(max(_midnight_before(now, window.zone), window.start), window.end)
    closed, rest = replace(window, end=cut), replace(window, start=cut)
    found: AgentRows = ([], [], [])
    if closed.end > closed.start:
        await _count_days(engine, closed, now)
        found = await _counted(engine, closed, agents)
    if rest.end > rest.start:
        live = await _live(engine, rest, agents, now)
        found = (found[0] + live[0], found[1] + live[1], found[2] + live[2])
    return found


def _midnight_before(now: datetime, zone: str) -> datetime:
    local = now.astimezone(ZoneInfo(zone))
    return datetime.combine(local.date(), time(0), tzinfo=local.tzinfo).astimezone(UTC)


async def _live(
    engine: AsyncEngine, window: Window, agents: Sequence[str], now: datetime
) -> AgentRows:
    p = _pieces(window, agents, now)
    by_state = select(
        p.c.agent_id, p.c.bucket, p.c.state, p.c.reason, func.sum(p.c.seconds).label("seconds")
    ).group_by(p.c.agent_id, p.c.bucket, p.c.state, p.c.reason)
    d = _pieces(window, agents, now, "day")
    outer = window.bucket(d.c.bucket).label("bucket")
    days = (
        select(d.c.agent_id, outer, func.count(d.c.bucket.distinct()).label("days"))
        .where(d.c.state != "logged_out")
        .group_by(d.c.agent_id, outer)
    )
    async with engine.connect() as conn:
        states = [dict(row) for row in (await conn.execute(by_state)).mappings()]
        present = [dict(row) for row in (await conn.execute(days)).mappings()]
        calls = [dict(row) for row in (await conn.execute(_calls(window, agents))).mappings()]
    return states, present, calls


def _calls(window: Window, agents: Sequence[str] | None) -> Any:
    """Per agent and bucket (of the answer): calls handled and their talk time."""
    bucket = window.bucket(_v.answered_at).label("bucket")
    who = [] if agents is None else [_v.agent_id.in_(list(agents))]
    return (
        select(
            _v.agent_id,
            bucket,
            func.count().label("calls"),
            func.count(_v.talk_seconds).label("talked"),
            func.coalesce(func.sum(_v.talk_seconds), 0).label("talk_seconds"),
        )
        .where(_v.answered_at >= window.start, _v.answered_at < window.end, *who)
        .group_by(_v.agent_id, bucket)
    )


_s, _c, _d = agent_day_states.c, agent_day_calls.c, agent_days_counted.c


def _local_days(window: Window) -> tuple[date, date]:
    """The first and the day after the last local day of a window of whole days."""
    zone = ZoneInfo(window.zone)
    return window.start.astimezone(zone).date(), window.end.astimezone(zone).date()


async def _count_days(engine: AsyncEngine, window: Window, now: datetime) -> None:
    """Count every agent's days of the window not counted yet, a week per transaction."""
    first, after = _local_days(window)
    async with engine.connect() as conn:
        done = set(
            (
                await conn.execute(
                    select(_d.day).where(_d.zone == window.zone, _d.day >= first, _d.day < after)
                )
            ).scalars()
        )
    zone = ZoneInfo(window.zone)
    missing = [first + timedelta(days=n) for n in range((after - first).days)]
    missing = [day for day in missing if day not in done]
    for start in range(0, len(missing), 7):
        week = missing[start : start + 7]
        days = Window(
            start=datetime.combine(week[0], time(0), tzinfo=zone).astimezone(UTC),
            end=datetime.combine(week[-1] + timedelta(days=1), time(0), tzinfo=zone).astimezone(
                UTC
            ),
            zone=window.zone,
            origin=window.origin,
            unit="day",
        )
        async with engine.begin() as conn:
            for statement in _day_counts(days, set(week), now):
                await conn.execute(statement)


def _day_counts(days: Window, wanted: set[date], now: datetime) -> list[Any]:
    """The statements that count `wanted` days (within the window `days`) for every agent."""
    zone = literal(days.zone, Text)
    p = _pieces(days, None, now)
    day = func.cast(func.timezone(zone, p.c.bucket), Date).label("day")
    only = day.in_(sorted(wanted))
    states = (
        select(
            zone.label("zone"),
            day,
            p.c.agent_id,
            p.c.state,
            func.coalesce(p.c.reason, "").label("reason"),
            func.sum(p.c.seconds).label("seconds"),
        )
        .where(only)
        .group_by(day, p.c.agent_id, p.c.state, p.c.reason)
    )
    calls = _calls(days, None).subquery("c")
    call_day = func.cast(func.timezone(zone, calls.c.bucket), Date).label("day")
    per_day = select(
        zone.label("zone"),
        call_day,
        calls.c.agent_id,
        calls.c.calls,
        calls.c.talked,
        calls.c.talk_seconds,
    ).where(call_day.in_(sorted(wanted)))
    counted = [{"zone": days.zone, "day": d} for d in sorted(wanted)]
    return [
        insert(agent_day_states)
        .from_select([c.name for c in states.selected_columns], states)
        .on_conflict_do_nothing(),
        insert(agent_day_calls)
        .from_select([c.name for c in per_day.selected_columns], per_day)
        .on_conflict_do_nothing(),
        insert(agent_days_counted).values(counted).on_conflict_do_nothing(),
    ]


async def _counted(engine: AsyncEngine, window: Window, agents: Sequence[str]) -> AgentRows:
    """The counted days' sums per agent and bucket. A counted day is a local day already, so
    it is grouped by its (local) bucket and turned into an instant once per group."""
    first, after = _local_days(window)
    if window.unit not in _UNITS:
        raise ValueError(f"not a calendar unit: {window.unit}")
    # Written out, not bound: GROUP BY must see the same expression as the SELECT list.
    unit: ColumnElement[Any] = literal_column(f"'{window.unit}'")
    zone = literal(window.zone, Text)

    def local(day: Any) -> Any:
        return func.date_trunc(unit, func.cast(day, TIMESTAMP))

    def instant(day: Any) -> Any:
        return func.timezone(zone, local(day)).label("bucket")

    s_local = local(_s.day)
    in_days = [_s.zone == window.zone, _s.day >= first, _s.day < after, _s.agent_id.in_(agents)]
    states = (
        select(
            _s.agent_id,
            instant(_s.day),
            _s.state,
            func.nullif(_s.reason, "").label("reason"),
            func.sum(_s.seconds).label("seconds"),
        )
        .where(*in_days)
        .group_by(_s.agent_id, s_local, _s.state, _s.reason)
    )
    present = (
        select(_s.agent_id, instant(_s.day), func.count(_s.day.distinct()).label("days"))
        .where(*in_days, _s.state != "logged_out")
        .group_by(_s.agent_id, s_local)
    )
    calls = (
        select(
            _c.agent_id,
            instant(_c.day),
            func.sum(_c.calls).cast(Integer).label("calls"),
            func.sum(_c.talked).cast(Integer).label("talked"),
            func.sum(_c.talk_seconds).cast(Integer).label("talk_seconds"),
        )
        .where(_c.zone == window.zone, _c.day >= first, _c.day < after, _c.agent_id.in_(agents))
        .group_by(_c.agent_id, local(_c.day))
    )
    async with engine.connect() as conn:
        return (
            [dict(row) for row in (await conn.execute(states)).mappings()],
            [dict(row) for row in (await conn.execute(present)).mappings()],
            [dict(row) for row in (await conn.execute(calls)).mappings()],
        )


# --- first-contact resolution ----------------------------------------------------------------
async def repeat_contacts(
    engine: AsyncEngine, window: Window, queues: Sequence[str] | None, *, within: timedelta
) -> list[dict[str, Any]]:
    """Per queue and agent: the answered visits whose case is known (`contacts`), and how many
    the same case followed on another call within `within` (`repeats`, from each visit's
    next contact, store/visits.py)."""
    repeated = _v.next_contact_at < _v.joined_at + literal(within, Interval)
    statement = (
        select(
            _v.queue,
            _v.agent_id,
            func.count().label("contacts"),
            func.count().filter(repeated).label("repeats"),
        )
        .where(*_in(window, queues), _v.answered_at.is_not(None), _v.case_key.is_not(None))
        .group_by(_v.queue, _v.agent_id)
        .order_by(_v.queue, _v.agent_id)
    )
    async with engine.connect() as conn:
        return [dict(row) for row in (await conn.execute(statement)).mappings()]


# --- promises kept ------------------------------------------------------------------------------
async def promises(engine: AsyncEngine, window: Window, now: datetime) -> list[dict[str, Any]]:
    """Per kind of promise made in the window (messages to return, escalation follow-ups,
    confidential callbacks): how many were owed, kept by their due time, kept late, still
    open and not yet due, and missed (open past due)."""
    m, e, c = messages.c, escalation_followups.c, confidential_callbacks.c
    at_now = literal(now, TIMESTAMPTZ)
    kinds = [
        (
            "messages_returned_same_workday",
            m.received_at,
            m.due_at,
            m.state.in_(("returned", "unreachable")),
            m.state_at,
            true(),
        ),
        (
            "escalation_followups_24h",
            e.created_at,
            e.due_at,
            e.status.in_(("researching", "resolved")),
            func.coalesce(e.resolved_at, e.updated_at),
            e.status != "returned",
        ),
        (
            "confidential_callbacks_24h",
            c.created_at,
            c.due_at,
            c.state.in_(("done", "unreachable")),
            c.state_at,
            c.due_at.is_not(None),
        ),
    ]
    statements = [
        select(
            literal(name).label("promise"),
            func.count().label("owed"),
            func.count().filter(done, done_at <= due).label("kept"),
            func.count().filter(done, done_at > due).label("late"),
            func.count().filter(~done, due > at_now).label("open"),
            func.count().filter(~done, due <= at_now).label("missed"),
        ).where(made >= window.start, made < window.end, owed)
        for name, made, due, done, done_at, owed in kinds
    ]
    async with engine.connect() as conn:
        return [dict((await conn.execute(s)).mappings().one()) for s in statements]


async def recount_quarter_hours(
    engine: AsyncEngine, start: datetime, end: datetime, rules: Reports
) -> None:
    """Count every quarter hour from `start` to `end` again from the visits, a week per
    statement (each well inside the statement timeout)."""
    while start < end:
        until = min(end, start + timedelta(days=7))
        async with engine.begin() as conn:
            await conn.execute(recount_between(start, until, rules))
        start = until
