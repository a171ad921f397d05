"""Messages and their history: one row per message, one action row per thing done to it.

Every moment comes from the caller (the service's clock), never the database's now(), so a
test's shifted clock decides what is due exactly as production's clock does.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import ColumnElement, func, insert, literal, select, true, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as upsert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.expression import Executable

from ccc_telephony.store.tables import message_actions, messages

Source = Literal["mailbox", "after_hours"]
State = Literal["new", "heard", "returning", "returned", "unreachable"]
OPEN_STATES: tuple[State, ...] = ("new", "heard", "returning")


_m = messages.c
_a = message_actions.c


@dataclass(frozen=True, slots=True)
class NewMessage:
    source: Source
    mailbox: str | None
    queue: str | None
    owner: str | None
    call_id: str
    caller_number: str | None
    language: str
    case_number: str | None
    received_at: datetime
    duration_seconds: Decimal | None
    recording: str
    due_at: datetime


@dataclass(frozen=True, slots=True)
class MessageRow:
    id: int
    source: Source
    mailbox: str | None
    queue: str | None
    owner: str | None
    call_id: str
    caller_number: str | None
    language: str
    case_number: str | None
    received_at: datetime
    duration_seconds: Decimal | None
    recording: str
    due_at: datetime
    state: State
    state_at: datetime
    state_by: str | None
    attempts: int
    warned_at: datetime | None


@dataclass(frozen=True, slots=True)
class ActionRow:
    id: int
    message_id: int
    at: datetime
    who: str
    action: str
    details: dict[str, Any]


@dataclass(frozen=True, slots=True)
class MessageQuery:
    mailboxes: Collection[str] | None = None  # None: any
    owners: Collection[str] | None = None
    queues: Collection[str] | None = None
    states: Collection[State] = ()  # empty: any
    due_before: datetime | None = None
    limit: int = 500

    def where(self) -> ColumnElement[bool]:
        clause: ColumnElement[bool] = true()
        if self.mailboxes is not None:
            clause = clause & _m.mailbox.in_(list(self.mailboxes))
        if self.owners is not None:
            clause = clause & _m.owner.in_(list(self.owners))
        if self.queues is not None:
            clause = clause & _m.queue.in_(list(self.queues))
        if self.states:
            clause = clause & _m.state.in_(list(self.states))
        if self.due_before is not None:
            clause = clause & (_m.due_at < self.due_before)
        return clause


async def add(engine: AsyncEngine, new: NewMessage, *, who: str) -> MessageRow:
    """Store a message and its 'left' action; the same recording of the same call again (a
    retried write) answers the row already stored."""
    values = {name: getattr(new, name) for name in NewMessage.__dataclass_fields__}
    async with engine.begin() as conn:
        existing = await _by_recording(conn, new.call_id, new.recording)
        if existing is not None:
            return existing
        row = (
            (
                await conn.execute(
                    insert(messages).values(**values, state_at=new.received_at).returning(messages)
                )
            )
            .mappings()
            .one()
        )
        await _act(conn, row["id"], at=new.received_at, who=who, action="left", details={})
    return MessageRow(**row)


def left_after_hours(new: NewMessage) -> Executable:
    """The statement that stores a main-number message left after hours (in the call-event
    writer's transaction, from its `message_recorded` event) with its 'left' action; the
    same event again (a replayed spool) stores nothing."""
    values = {name: getattr(new, name) for name in NewMessage.__dataclass_fields__}
    stored = (
        upsert(messages)
        .values(**values, state_at=new.received_at)
        .on_conflict_do_nothing(index_elements=[_m.call_id, _m.recording])
        .returning(_m.id, _m.received_at)
        .cte("stored")
    )
    left = select(
        stored.c.id,
        stored.c.received_at,
        literal("system"),
        literal("left"),
        literal({}, JSONB),
    )
    return insert(message_actions).from_select(
        [_a.message_id, _a.at, _a.who, _a.action, _a.details], left
    )


async def get(engine: AsyncEngine, message_id: int) -> MessageRow | None:
    async with engine.connect() as conn:
        row = (await conn.execute(select(messages).where(_m.id == message_id))).mappings().first()
    return None if row is None else MessageRow(**row)


async def find(engine: AsyncEngine, query: MessageQuery) -> list[MessageRow]:
    """Oldest due first: the order in which they should be returned."""
    statement = select(messages).where(query.where()).order_by(_m.due_at, _m.id).limit(query.limit)
    async with engine.connect() as conn:
        return [MessageRow(**row) for row in (await conn.execute(statement)).mappings()]


async def counts(engine: AsyncEngine, mailbox: str) -> dict[str, int]:
    """How many of the mailbox's messages are in each open state."""
    statement = (
        select(_m.state, func.count())
        .where(_m.mailbox == mailbox, _m.state.in_(OPEN_STATES))
        .group_by(_m.state)
    )
    async with engine.connect() as conn:
        return {state: int(n) for state, n in (await conn.execute(statement)).all()}


async def change(
    engine: AsyncEngine,
    message_id: int,
    *,
    at: datetime,
    who: str,
    action: str,
    values: Mapping[str, Any],
    details: Mapping[str, Any],
    only_from: Collection[State] = (),
) -> MessageRow | None:
    """Update the message (state, owner, attempts, ...) and record the action, together; None
    if there is no such message, or it is not in one of `only_from` (when given)."""
    clause = _m.id == message_id
    if only_from:
        clause = clause & _m.state.in_(list(only_from))
    changes = dict(values)
    if "state" in changes:
        changes |= {"state_at": at, "state_by": who}
    async with engine.begin() as conn:
        row = (
            (
                await conn.execute(
                    update(messages).where(clause).values(**changes).returning(messages)
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        await _act(conn, message_id, at=at, who=who, action=action, details=details)
    return MessageRow(**row)


async def record_action(
    engine: AsyncEngine,
    message_id: int,
    *,
    at: datetime,
    who: str,
    action: str,
    details: Mapping[str, Any],
) -> None:
    async with engine.begin() as conn:
        await _act(conn, message_id, at=at, who=who, action=action, details=details)


async def actions(engine: AsyncEngine, message_id: int) -> list[ActionRow]:
    statement = select(message_actions).where(_a.message_id == message_id).order_by(_a.at, _a.id)
    async with engine.connect() as conn:
        return [ActionRow(**row) for row in (await conn.execute(statement)).mappings()]


async def _by_recording(conn: AsyncConnection, call_id: str, recording: str) -> MessageRow | None:
    statement = select(messages).where(_m.call_id == call_id, _m.recording == recording)
    row = (await conn.execute(statement)).mappings().first()
    return None if row is None else MessageRow(**row)


async def _act(
    conn: AsyncConnection,
    message_id: int,
    *,
    at: datetime,
    who: str,
    action: str,
    details: Mapping[str, Any],
) -> None:
    await conn.execute(
        insert(message_actions).values(
            message_id=message_id, at=at, who=who, action=action, details=dict(details)
        )
    )
