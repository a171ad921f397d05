"""Messages and their history: one row per message, one action row per thing done to it.

Every moment comes from the caller (the service's clock), never the database's now(), so a
test's shifted clock decides what is due exactly as production's clock does.
"""

from __future__ import annotations

import re
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

from ccc_telephony.store.tables import mailbox_delegates, message_actions, messages

Source = Literal["mailbox", "after_hours"]
State = Literal["new", "heard", "returning", "returned", "unreachable"]
OPEN_STATES: tuple[State, ...] = ("new", "heard", "returning")
# A caller's number as received, kept only in a shape that can be shown and dialled back.
_CALLER_NUMBER = re.compile(r"\+?[0-9]{3,20}")


def kept_number(number: str | None) -> str | None:
    """The caller's number as a message keeps it (the caller controls it: only digits, with a
    leading + at most), else None: withheld, a name, anything else a caller could send. The
    one rule for every way a message is stored (the mailboxes' `take`, the after-hours event
    projection)."""
    return number if number is not None and _CALLER_NUMBER.fullmatch(number) else None


# A case number as the IVR keeps one (the policy's pattern matched it there): digits, and
# never nine of them (an SSN's length; the policy refuses a pattern that accepts nine).
_CASE_NUMBER = re.compile(r"[0-9]{1,20}")


def kept_case_number(case_number: str | None) -> str | None:
    """The case number an after-hours message keeps from its call event, else None."""
    if case_number is None or not _CASE_NUMBER.fullmatch(case_number):
        return None
    return case_number if len(case_number) != 9 else None


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
class MessageRow(NewMessage):
    """A stored message: what was left, and where it stands now."""

    id: int
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
class Reach:
    """The messages one person may handle (messages/access.py says who), in the form both the
    database (`where`, before any limit) and a single message (`covers`) are checked against:
    those owned by, or in the mailbox of, one of `people`; those delegated to `delegate`; and
    the after-hours messages nobody took yet whose queue is one of `queues` or, with
    `elsewhere`, any queue that is not one of `team_queues` (the operator's, none at all)."""

    people: frozenset[str]
    delegate: str | None = None
    queues: frozenset[str] = frozenset()
    elsewhere: bool = False
    team_queues: frozenset[str] = frozenset()

    def covers(self, row: MessageRow, delegates: Collection[str] = ()) -> bool:
        """`delegates`: the delegates of the row's mailbox (the mailboxes feature knows)."""
        if row.owner in self.people or row.mailbox in self.people:
            return True
        if self.delegate is not None and self.delegate in delegates:
            return True
        if row.source != "after_hours" or row.owner is not None:
            return False
        return row.queue in self.queues or (
            self.elsewhere and (row.queue is None or row.queue not in self.team_queues)
        )

    def where(self) -> ColumnElement[bool]:
        people = list(self.people)
        clause: ColumnElement[bool] = _m.owner.in_(people) | _m.mailbox.in_(people)
        if self.delegate is not None:
            named = select(mailbox_delegates.c.mailbox).where(
                mailbox_delegates.c.delegate == self.delegate
            )
            clause = clause | _m.mailbox.in_(named)
        queue: ColumnElement[bool] = _m.queue.in_(list(self.queues))
        if self.elsewhere:
            queue = queue | _m.queue.is_(None) | _m.queue.not_in(list(self.team_queues))
        unowned = (_m.source == "after_hours") & _m.owner.is_(None) & queue
        return clause | unowned


@dataclass(frozen=True, slots=True)
class MessageQuery:
    mailboxes: Collection[str] | None = None  # None: any
    owners: Collection[str] | None = None
    queues: Collection[str] | None = None
    states: Collection[State] = ()  # empty: any
    due_before: datetime | None = None
    reach: Reach | None = None  # None: everyone's (the admin, the service's own checks)
    # A page of the list: None, every message found (the day's check must see them all).
    limit: int | None = None
    offset: int = 0

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
        if self.reach is not None:
            clause = clause & self.reach.where()
        return clause


def _columns(new: NewMessage) -> dict[str, Any]:
    """A new message's row: what was left, in its first state since it came in."""
    values = {name: getattr(new, name) for name in NewMessage.__dataclass_fields__}
    return values | {"state_at": new.received_at}


async def add(engine: AsyncEngine, new: NewMessage, *, who: str) -> MessageRow:
    """Store a message and its 'left' action; the same recording of the same call again (a
    retried write) answers the row already stored."""
    async with engine.begin() as conn:
        existing = await _by_recording(conn, new.call_id, new.recording)
        if existing is not None:
            return existing
        row = (
            (await conn.execute(insert(messages).values(**_columns(new)).returning(messages)))
            .mappings()
            .one()
        )
        await _act(conn, row["id"], at=new.received_at, who=who, action="left", details={})
    return MessageRow(**row)


def left_after_hours(new: NewMessage) -> Executable:
    """The statement that stores a main-number message left after hours (in the call-event
    writer's transaction, from its `message_recorded` event) with its 'left' action; the
    same event again (a replayed spool) stores nothing."""
    stored = (
        upsert(messages)
        .values(**_columns(new))
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


async def by_recording(engine: AsyncEngine, call_id: str, recording: str) -> MessageRow | None:
    """The message this call's recording made."""
    async with engine.connect() as conn:
        return await _by_recording(conn, call_id, recording)


async def find(engine: AsyncEngine, query: MessageQuery) -> list[MessageRow]:
    """Oldest due first: the order in which they should be returned (a page of them, with
    the query's limit: filtered whole by the database first, so a page is never short of
    what the reader may see)."""
    statement = (
        select(messages)
        .where(query.where())
        .order_by(_m.due_at, _m.id)
        .limit(query.limit)
        .offset(query.offset)
    )
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
    only_unwarned: bool = False,
) -> MessageRow | None:
    """Update the message (state, owner, attempts, ...) and record the action, together; None
    if there is no such message, or it is not in one of `only_from` (when given), or (with
    `only_unwarned`) its pre-due flag was set already: one statement decides, so two runs
    cannot both."""
    clause = _m.id == message_id
    if only_from:
        clause = clause & _m.state.in_(list(only_from))
    if only_unwarned:
        clause = clause & _m.warned_at.is_(None)
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
