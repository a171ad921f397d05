"""Confidential cases' call-back tasks, and the log of who did what when with each (every look
included, allowed or refused).

A change of state is made under the row's lock by a rule the caller hands in (`change`), so
two attempts recorded at once cannot both count as the last one. Every moment here comes from
the caller (the service's clock), never the database's now().
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, insert, or_, select, true, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ccc_telephony.store.tables import confidential_actions, confidential_callbacks

_c = confidential_callbacks.c
_a = confidential_actions.c
OPEN_STATES = ("owed", "returning")
# Looks, not deeds: kept in the same log, left out of a task's history.
LOOKS = ("read", "list")


@dataclass(frozen=True, slots=True)
class CallbackRow:
    id: int
    call_id: str
    agent_id: str
    source: str
    created_at: datetime
    created_by: str
    worker_id: str | None
    caller_name: str | None
    case_number: str | None
    phone: str | None
    best_time: str | None
    due_at: datetime | None
    due_within: bool | None
    state: str
    attempts: int
    state_at: datetime
    state_by: str
    notified_at: datetime | None
    notified_to: list[str] | None
    emailed_to: list[str] | None
    email_error: str | None
    escalated_at: datetime | None
    escalated_to: list[str] | None
    warned_at: datetime | None
    warned_to: list[str] | None
    incomplete_flagged_at: datetime | None
    incomplete_flagged_to: list[str] | None

    @property
    def open(self) -> bool:
        return self.state in OPEN_STATES

    def overdue(self, now: datetime) -> bool:
        return self.open and self.due_at is not None and self.due_at <= now


@dataclass(frozen=True, slots=True)
class NewCallback:
    """A task as marked on a call: what the call (or the agent's request) knew then."""

    call_id: str
    agent_id: str
    source: str
    created_at: datetime
    created_by: str
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ActionRow:
    at: datetime
    who: str
    action: str
    details: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Change:
    """What a rule decided for a task: the columns to set, and the action to log."""

    values: Mapping[str, Any]
    action: str
    details: Mapping[str, Any] = field(default_factory=dict)


async def mark(engine: AsyncEngine, new: NewCallback) -> tuple[CallbackRow, bool]:
    """The task of this call by this agent, and whether this mark made it (a call is marked
    once per agent: marking it again answers with the task it has)."""
    values = {
        "call_id": new.call_id,
        "agent_id": new.agent_id,
        "source": new.source,
        "created_at": new.created_at,
        "created_by": new.created_by,
        "state": "owed",
        "state_at": new.created_at,
        "state_by": new.created_by,
        **new.details,
    }
    statement = pg_insert(confidential_callbacks).values(values).on_conflict_do_nothing()
    async with engine.begin() as conn:
        made = (await conn.execute(statement.returning(_c.id))).scalar_one_or_none()
        found = (
            (
                await conn.execute(
                    select(confidential_callbacks).where(
                        _c.call_id == new.call_id, _c.agent_id == new.agent_id
                    )
                )
            )
            .mappings()
            .one()
        )
        if made is not None:
            details = {"source": new.source, "call_id": new.call_id}
            await _log(conn, made, new.created_by, "created", new.created_at, details)
    return _row(found), made is not None


async def task(engine: AsyncEngine, task_id: int) -> CallbackRow | None:
    async with engine.connect() as conn:
        found = (
            (await conn.execute(select(confidential_callbacks).where(_c.id == task_id)))
            .mappings()
            .first()
        )
    return None if found is None else _row(found)


async def listing(
    engine: AsyncEngine,
    *,
    workers: Collection[str] | None,
    creators: Collection[str] | None,
    states: Collection[str] | None,
    due_before: datetime | None,
    limit: int,
) -> list[CallbackRow]:
    """Soonest due first (incomplete ones, with no due time yet, last): the tasks of these
    workers (None: everyone's) and the incomplete ones (no worker told yet) these `creators`
    marked."""
    audience: ColumnElement[bool] = true()
    if workers is not None:
        clauses: list[ColumnElement[bool]] = [_c.worker_id.in_(sorted(workers))]
        if creators:
            clauses.append(and_(_c.agent_id.in_(sorted(creators)), _c.notified_at.is_(None)))
        audience = or_(*clauses)
    statement = select(confidential_callbacks).where(audience)
    if states is not None:
        statement = statement.where(_c.state.in_(sorted(states)))
    if due_before is not None:
        statement = statement.where(_c.due_at <= due_before)
    statement = statement.order_by(_c.due_at.asc().nulls_last(), _c.id).limit(limit)
    async with engine.connect() as conn:
        return [_row(m) for m in (await conn.execute(statement)).mappings()]


async def change(
    engine: AsyncEngine,
    task_id: int,
    rule: Callable[[CallbackRow], Change],
    *,
    who: str,
    at: datetime,
) -> CallbackRow | None:
    """Apply `rule` to the task under its row lock and log its action; None when there is no
    such task. The rule raises to refuse (nothing changes)."""
    async with engine.begin() as conn:
        found = (
            (
                await conn.execute(
                    select(confidential_callbacks).where(_c.id == task_id).with_for_update()
                )
            )
            .mappings()
            .first()
        )
        if found is None:
            return None
        decided = rule(_row(found))
        changed = (
            (
                await conn.execute(
                    update(confidential_callbacks)
                    .where(_c.id == task_id)
                    .values(dict(decided.values))
                    .returning(*confidential_callbacks.c)
                )
            )
            .mappings()
            .one()
        )
        await _log(conn, task_id, who, decided.action, at, dict(decided.details))
    return _row(changed)


async def emailed(
    engine: AsyncEngine, task_id: int, *, told_at: datetime, to: Sequence[str], error: str | None
) -> None:
    """The worker's e-mail of the telling at `told_at` posted: to whom, and why its first try
    failed (None: it went). A task told again since (reassigned) keeps its own."""
    values = {"emailed_to": list(to), "email_error": error}
    where = (_c.id == task_id) & (_c.notified_at == told_at)
    async with engine.begin() as conn:
        await conn.execute(update(confidential_callbacks).where(where).values(values))


async def unposted(engine: AsyncEngine) -> list[CallbackRow]:
    """Told and still open, but the worker's e-mail not yet posted to the outbox (the service
    stopped between telling and posting)."""
    told = _c.notified_at.is_not(None)
    return await _open(engine, told, _c.emailed_to.is_(None), by=_c.id)


async def due_soon(engine: AsyncEngine, now: datetime, before: datetime) -> list[CallbackRow]:
    """Told, still open, due after `now` but by `before`, and not yet flagged for it."""
    told, soon = _c.notified_at.is_not(None), and_(_c.due_at > now, _c.due_at <= before)
    return await _open(engine, told, soon, _c.warned_at.is_(None), by=_c.due_at)


async def warned(
    engine: AsyncEngine, task_id: int, *, to: Sequence[str], at: datetime
) -> CallbackRow | None:
    """The task flagged before its due time, once: None when it was already."""
    return await _to_leads(engine, task_id, "warned", to=to, at=at)


async def overdue(engine: AsyncEngine, now: datetime) -> list[CallbackRow]:
    """Told, still open, past due and not yet sent to the leads."""
    told = _c.notified_at.is_not(None)
    return await _open(engine, told, _c.due_at <= now, _c.escalated_at.is_(None), by=_c.due_at)


async def escalated(
    engine: AsyncEngine, task_id: int, *, to: Sequence[str], at: datetime
) -> CallbackRow | None:
    """The overdue task sent to the leads, once: None when it was already (another run)."""
    return await _to_leads(engine, task_id, "escalated", to=to, at=at)


async def incomplete(engine: AsyncEngine, marked_before: datetime) -> list[CallbackRow]:
    """Open, marked before this moment, nobody told yet (something missing), and not yet
    sent to the leads for it."""
    untold, marked = _c.notified_at.is_(None), _c.created_at <= marked_before
    return await _open(engine, untold, marked, _c.incomplete_flagged_at.is_(None), by=_c.id)


async def _open(
    engine: AsyncEngine, *where: ColumnElement[bool], by: ColumnElement[Any]
) -> list[CallbackRow]:
    statement = select(confidential_callbacks).where(_c.state.in_(OPEN_STATES), *where)
    async with engine.connect() as conn:
        return [_row(m) for m in (await conn.execute(statement.order_by(by))).mappings()]


async def incomplete_flagged(
    engine: AsyncEngine, task_id: int, *, to: Sequence[str], at: datetime
) -> CallbackRow | None:
    """The incomplete task sent to the leads, once: None when it was already, or it was
    completed (the worker told) meanwhile."""
    still = _c.notified_at.is_(None)
    return await _to_leads(engine, task_id, "incomplete_flagged", to=to, at=at, still=still)


async def _to_leads(
    engine: AsyncEngine,
    task_id: int,
    what: str,
    *,
    to: Sequence[str],
    at: datetime,
    still: ColumnElement[bool] | None = None,
) -> CallbackRow | None:
    """Set `<what>_at` and `<what>_to` where `<what>_at` is still empty (and `still` holds),
    logging the action `what`: one statement decides, so two runs cannot both."""
    clause = (_c.id == task_id) & _c[f"{what}_at"].is_(None)
    if still is not None:
        clause = clause & still
    statement = (
        update(confidential_callbacks)
        .where(clause)
        .values({f"{what}_at": at, f"{what}_to": list(to)})
        .returning(*confidential_callbacks.c)
    )
    async with engine.begin() as conn:
        found = (await conn.execute(statement)).mappings().first()
        if found is not None:
            await _log(conn, task_id, "service", what, at, {"to": list(to)})
    return None if found is None else _row(found)


async def note(
    engine: AsyncEngine,
    task_id: int,
    *,
    who: str,
    action: str,
    at: datetime,
    details: dict[str, Any],
) -> None:
    """Something done with the task that changes nothing on it (a call back whose worker did
    not answer their own phone)."""
    async with engine.begin() as conn:
        await _log(conn, task_id, who, action, at, details)


async def history(engine: AsyncEngine, task_id: int) -> list[ActionRow]:
    """What was done with the task, oldest first (not the looks at it)."""
    statement = (
        select(_a.at, _a.who, _a.action, _a.details)
        .where(_a.callback_id == task_id, _a.action.not_in(LOOKS), _a.allowed)
        .order_by(_a.at, _a.id)
    )
    async with engine.connect() as conn:
        return [ActionRow(**m) for m in (await conn.execute(statement)).mappings()]


async def audit(
    engine: AsyncEngine,
    *,
    who: str,
    action: str,
    allowed: bool,
    at: datetime,
    task_ids: Sequence[int | None],
) -> None:
    """One row per task looked at (or asked for); a listing that showed none, one without."""
    rows = [
        {"at": at, "who": who, "callback_id": tid, "action": action, "allowed": allowed}
        for tid in (task_ids or [None])
    ]
    async with engine.begin() as conn:
        await conn.execute(insert(confidential_actions), rows)


async def _log(
    conn: AsyncConnection,
    task_id: int,
    who: str,
    action: str,
    at: datetime,
    details: dict[str, Any],
) -> None:
    row = {
        "callback_id": task_id,
        "at": at,
        "who": who,
        "action": action,
        "allowed": True,
        "details": details,
    }
    await conn.execute(insert(confidential_actions).values(row))


def _row(mapping: Any) -> CallbackRow:
    return CallbackRow(**mapping)
