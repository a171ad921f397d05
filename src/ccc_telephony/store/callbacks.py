"""Callback requests: callers who left a recorded message instead of waiting in a queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.store.tables import callback_requests


@dataclass(frozen=True, slots=True)
class CallbackRow:
    id: int
    call_id: str
    caller_number: str
    caller_name: str
    language: str
    recording: str
    duration_seconds: Decimal | None
    created_at: datetime
    status: str


async def add_callback_request(
    engine: AsyncEngine,
    *,
    call_id: str,
    caller_number: str,
    caller_name: str,
    language: str,
    recording: str,
    duration_seconds: float | Decimal | None = None,
) -> int:
    """Store a request (status 'open'); `recording` is the Asterisk recording name."""
    duration = None if duration_seconds is None else Decimal(str(duration_seconds))
    statement = (
        insert(callback_requests)
        .values(
            call_id=call_id,
            caller_number=caller_number,
            caller_name=caller_name,
            language=language,
            recording=recording,
            duration_seconds=duration,
        )
        .returning(callback_requests.c.id)
    )
    async with engine.begin() as conn:
        return int((await conn.execute(statement)).scalar_one())


async def list_callback_requests(engine: AsyncEngine, status: str = "open") -> list[CallbackRow]:
    """Oldest first: the order in which agents should call people back."""
    statement = (
        select(callback_requests)
        .where(callback_requests.c.status == status)
        .order_by(callback_requests.c.created_at, callback_requests.c.id)
    )
    async with engine.connect() as conn:
        return [CallbackRow(**m) for m in (await conn.execute(statement)).mappings()]
