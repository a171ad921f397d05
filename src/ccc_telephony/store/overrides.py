"""Admin overrides of the opening hours ("open until 8 pm today", "closed: snow day").

Overrides are never deleted: clearing one stamps who and when, so the table doubles as the
audit trail of every forced open or close.

Whether an override is still in force is decided by the caller's clock (the service's injected
clock, or the CLI's), never by the database's `now()`: the two can disagree, and the service
must clear exactly what it believes is in force. The database's clock stamps audit columns only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import RowMapping, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.hours.rules import Override
from ccc_telephony.store.tables import hours_overrides


@dataclass(frozen=True, slots=True)
class OverrideRow:
    id: int
    open: bool
    until: datetime
    reason: str
    set_by: str
    set_at: datetime
    cleared_at: datetime | None
    cleared_by: str | None

    def to_override(self) -> Override:
        return Override(open=self.open, until=self.until, reason=self.reason, set_by=self.set_by)


def _row(mapping: RowMapping) -> OverrideRow:
    return OverrideRow(**mapping)


async def set_override(
    engine: AsyncEngine, *, open: bool, until: datetime, reason: str, set_by: str
) -> int:
    """Record a new override; the latest active one wins, so earlier ones need no clearing."""
    statement = (
        insert(hours_overrides)
        .values(open=open, until=until, reason=reason, set_by=set_by)
        .returning(hours_overrides.c.id)
    )
    async with engine.begin() as conn:
        return int((await conn.execute(statement)).scalar_one())


async def clear_override(engine: AsyncEngine, *, cleared_by: str, now: datetime) -> int:
    """Clear every override still in force at `now`; returns how many were cleared."""
    statement = (
        update(hours_overrides)
        .where(hours_overrides.c.cleared_at.is_(None), hours_overrides.c.until > now)
        .values(cleared_at=func.now(), cleared_by=cleared_by)
    )
    async with engine.begin() as conn:
        return (await conn.execute(statement)).rowcount


async def active_override(engine: AsyncEngine, now: datetime) -> OverrideRow | None:
    """The most recently set override that is neither cleared nor expired at `now`."""
    statement = (
        select(hours_overrides)
        .where(hours_overrides.c.cleared_at.is_(None), hours_overrides.c.until > now)
        .order_by(hours_overrides.c.id.desc())
        .limit(1)
    )
    async with engine.connect() as conn:
        found = (await conn.execute(statement)).mappings().first()
    return None if found is None else _row(found)


async def list_overrides(engine: AsyncEngine, limit: int = 50) -> list[OverrideRow]:
    """Newest first, cleared and expired ones included (the audit view)."""
    statement = select(hours_overrides).order_by(hours_overrides.c.id.desc()).limit(limit)
    async with engine.connect() as conn:
        return [_row(m) for m in (await conn.execute(statement)).mappings()]
