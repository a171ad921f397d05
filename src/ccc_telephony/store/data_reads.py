"""The audit of call data read by people (`call_data_reads`).

A feature that shows call data to a person (a report of callers, the live feed of calls)
records the read before it answers: if the record cannot be written the read is refused, so
no read goes unaudited. The scope says what was asked (a queue, a date range, a format); the
caller data itself is never copied here.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.store.tables import call_data_reads

# How a staff token's use is written in audit columns (web.auth.Principal.who).
NAME_ENDS = " (token "


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


@dataclass(frozen=True, slots=True)
class ReadRow:
    id: int
    at: datetime
    who: str
    role: str
    what: str
    scope: Mapping[str, Any]


async def reads_between(
    engine: AsyncEngine,
    *,
    since: datetime,
    until: datetime,
    people: Collection[str] | None = None,
    limit: int,
) -> list[ReadRow]:
    """Reads from `since` up to `until`, newest first; only those of `people` (names as the
    principals have them: a staff token's reads are "maria (token 12)", counted as maria's)
    when given."""
    query = (
        select(call_data_reads)
        .where(call_data_reads.c.at >= since, call_data_reads.c.at < until)
        .order_by(call_data_reads.c.at.desc(), call_data_reads.c.id.desc())
        .limit(limit)
    )
    if people is not None:
        query = query.where(func.split_part(call_data_reads.c.who, NAME_ENDS, 1).in_(people))
    async with engine.connect() as conn:
        rows = (await conn.execute(query)).mappings().all()
    return [ReadRow(**row) for row in rows]
