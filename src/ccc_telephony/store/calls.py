"""Read side of the call log: the `calls` summary rows and each call's events."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import RowMapping, select
from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.store.tables import call_events as call_events_table
from ccc_telephony.store.tables import calls


@dataclass(frozen=True, slots=True)
class CallRow:
    call_id: str
    caller_number: str | None
    caller_name: str | None
    dialed_number: str | None
    language: str | None
    program: str | None
    queue: str | None
    case_number: str | None
    ssn_last4: str | None
    ssn_hmac: str | None
    started_at: datetime | None
    answered_at: datetime | None
    ended_at: datetime | None
    ivr_outcome: str | None
    agent_id: str | None
    agent_answered_at: datetime | None
    abandoned_at: datetime | None
    wait_seconds: int | None
    outcome: str | None
    hours_reason: str | None
    agent_ended: str | None


@dataclass(frozen=True, slots=True)
class EventRow:
    id: int
    event_id: UUID
    call_id: str
    at: datetime
    name: str
    details: Mapping[str, Any]
    written_at: datetime


def _call(mapping: RowMapping) -> CallRow:
    return CallRow(**mapping)


async def get_call(engine: AsyncEngine, call_id: str) -> CallRow | None:
    async with engine.connect() as conn:
        found = (
            (await conn.execute(select(calls).where(calls.c.call_id == call_id))).mappings().first()
        )
    return None if found is None else _call(found)


async def list_calls(engine: AsyncEngine, limit: int = 50) -> list[CallRow]:
    """Most recently started first; rows not yet started (partial projections) last."""
    statement = select(calls).order_by(calls.c.started_at.desc().nulls_last()).limit(limit)
    async with engine.connect() as conn:
        return [_call(m) for m in (await conn.execute(statement)).mappings()]


async def call_events(engine: AsyncEngine, call_id: str) -> list[EventRow]:
    """In the order they happened (and were written, for equal timestamps)."""
    statement = (
        select(call_events_table)
        .where(call_events_table.c.call_id == call_id)
        .order_by(call_events_table.c.at, call_events_table.c.id)
    )
    async with engine.connect() as conn:
        return [EventRow(**m) for m in (await conn.execute(statement)).mappings()]


async def open_calls(engine: AsyncEngine) -> list[str]:
    """Calls with no recorded end: after a restart, each is either still live or was lost."""
    statement = (
        select(calls.c.call_id).where(calls.c.ended_at.is_(None)).order_by(calls.c.started_at)
    )
    async with engine.connect() as conn:
        return list((await conn.execute(statement)).scalars())
