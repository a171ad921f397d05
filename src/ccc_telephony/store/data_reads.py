"""The audit of call data read by people (`call_data_reads`).

A feature that shows call data to a person (a report of callers, the live feed of calls)
records the read before it answers: if the record cannot be written the read is refused, so
no read goes unaudited. The scope says what was asked (a queue, a date range, a format); the
caller data itself is never copied here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.store.tables import call_data_reads


async def record_read(
    engine: AsyncEngine,
    *,
    who: str,
    role: str,
    what: str,
    at: datetime,
    scope: Mapping[str, Any] | None = None,
) -> None:
    """Write one read; raises if the database cannot take it (the read is then refused)."""
    async with engine.begin() as conn:
        await conn.execute(
            insert(call_data_reads).values(
                at=at, who=who, role=role, what=what, scope=dict(scope or {})
            )
        )
