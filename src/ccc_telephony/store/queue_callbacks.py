"""Queue callbacks: one row per caller who asked to be called back, from acceptance to its end
(connected, failed after its attempts, or cancelled). State changes are conditional updates
(one statement each), so two tasks can never both move the same callback.

Every moment comes from the caller (the service's clock), never the database's now().
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.store.tables import queue_callbacks

_c = queue_callbacks.c
# Callbacks still owed to their caller.
OPEN_STATES = ("waiting", "queued", "dialling")


@dataclass(frozen=True, slots=True)
class CallbackRow:
    id: int
    call_id: str
    queue: str
    number: str
    language: str
    entered_at: datetime
    accepted_at: datetime
    state: str
    attempts: int
    next_attempt_at: datetime | None
    placeholder: str | None
    agent_id: str | None
    last_outcome: str | None
    state_at: datetime
    state_by: str | None
    attempt_id: str | None  # the caller's channel of the latest attempt (dialling: under way)


@dataclass(frozen=True, slots=True)
class NewCallback:
    call_id: str
    queue: str
    number: str
    language: str
    entered_at: datetime
    accepted_at: datetime


async def add(engine: AsyncEngine, new: NewCallback) -> CallbackRow:
    """A caller's acceptance, due at once; the same call accepting again gets its first row."""
    values = {
        "call_id": new.call_id,
        "queue": new.queue,
        "number": new.number,
        "language": new.language,
        "entered_at": new.entered_at,
        "accepted_at": new.accepted_at,
        "state": "waiting",
        "next_attempt_at": new.accepted_at,
        "state_at": new.accepted_at,
    }
    statement = (
        insert(queue_callbacks)
        .values(values)
        .on_conflict_do_nothing(index_elements=["call_id"])
        .returning(*queue_callbacks.c)
    )
    async with engine.begin() as conn:
        found = (await conn.execute(statement)).mappings().first()
        if found is None:
            again = select(queue_callbacks).where(_c.call_id == new.call_id)
            found = (await conn.execute(again)).mappings().one()
    return _row(found)


async def get(engine: AsyncEngine, callback_id: int) -> CallbackRow | None:
    async with engine.connect() as conn:
        found = (
            (await conn.execute(select(queue_callbacks).where(_c.id == callback_id)))
            .mappings()
            .first()
        )
    return None if found is None else _row(found)


async def find(
    engine: AsyncEngine,
    *,
    states: Collection[str] = (),
    queue: str | None = None,
    due_before: datetime | None = None,
    limit: int = 200,
) -> list[CallbackRow]:
    """In their place-in-line order (the time each caller joined the queue)."""
    statement = select(queue_callbacks)
    if states:
        statement = statement.where(_c.state.in_(sorted(states)))
    if queue is not None:
        statement = statement.where(_c.queue == queue)
    if due_before is not None:
        statement = statement.where(_c.next_attempt_at <= due_before)
    statement = statement.order_by(_c.entered_at, _c.id).limit(limit)
    async with engine.connect() as conn:
        return [_row(m) for m in (await conn.execute(statement)).mappings()]


async def change(
    engine: AsyncEngine,
    callback_id: int,
    *,
    only_from: Collection[str],
    at: datetime,
    values: dict[str, Any],
    by: str | None = None,
) -> CallbackRow | None:
    """Set `values` (a new state among them) if the callback is still in one of `only_from`;
    None if it was not (someone else moved it first)."""
    statement = (
        update(queue_callbacks)
        .where(_c.id == callback_id, _c.state.in_(sorted(only_from)))
        .values({**values, "state_at": at, "state_by": by})
        .returning(*queue_callbacks.c)
    )
    async with engine.begin() as conn:
        found = (await conn.execute(statement)).mappings().first()
    return None if found is None else _row(found)


def _row(mapping: Any) -> CallbackRow:
    return CallbackRow(**mapping)
