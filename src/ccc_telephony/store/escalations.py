"""Escalation follow-ups: the rows the call's escalation events make (store/projection.py), read
for the lead's lists, and marked researching or resolved by the lead.

Every moment here comes from the caller (the service's clock), never the database's now(), so a
test's shifted clock decides what is overdue exactly as production's clock does.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.store.tables import escalation_followups

_c = escalation_followups.c


@dataclass(frozen=True, slots=True)
class FollowupRow:
    id: UUID
    call_id: str
    agent_id: str
    target: str
    reason: str
    from_lead_id: str | None
    created_at: datetime
    due_at: datetime
    status: str
    lead_id: str | None
    answered_at: datetime | None
    returned_at: datetime | None
    returned_why: str | None
    note: str | None
    updated_by: str | None
    updated_at: datetime | None
    resolved_at: datetime | None


@dataclass(frozen=True, slots=True)
class Audience:
    """Whose follow-ups a reader may see: those of these agents' escalations, and those the
    reader answered as the lead."""

    agents: frozenset[str]
    lead: str | None


@dataclass(frozen=True, slots=True)
class FollowupQuery:
    statuses: Collection[str] = ()  # empty: any
    due_before: datetime | None = None
    agent_id: str | None = None
    lead_id: str | None = None
    audience: Audience | None = None  # None: everyone's
    limit: int = 100


def _audience(audience: Audience | None) -> ColumnElement[bool]:
    if audience is None:
        return true()
    clauses: list[ColumnElement[bool]] = [_c.agent_id.in_(sorted(audience.agents))]
    if audience.lead is not None:
        clauses.append(_c.lead_id == audience.lead)
    return or_(*clauses)


async def followups(engine: AsyncEngine, query: FollowupQuery) -> list[FollowupRow]:
    """Soonest due first: the order in which a lead should get back to workers."""
    statement = select(escalation_followups).where(_audience(query.audience))
    if query.statuses:
        statement = statement.where(_c.status.in_(sorted(query.statuses)))
    if query.due_before is not None:
        statement = statement.where(_c.due_at < query.due_before)
    if query.agent_id is not None:
        statement = statement.where(_c.agent_id == query.agent_id)
    if query.lead_id is not None:
        statement = statement.where(_c.lead_id == query.lead_id)
    statement = statement.order_by(_c.due_at, _c.id).limit(query.limit)
    async with engine.connect() as conn:
        return [_row(m) for m in (await conn.execute(statement)).mappings()]


async def followup(engine: AsyncEngine, followup_id: UUID) -> FollowupRow | None:
    statement = select(escalation_followups).where(_c.id == followup_id)
    async with engine.connect() as conn:
        found = (await conn.execute(statement)).mappings().first()
    return None if found is None else _row(found)


async def mark(
    engine: AsyncEngine,
    followup_id: UUID,
    *,
    status: str,
    allowed_from: Collection[str],
    note: str | None,
    by: str,
    at: datetime,
) -> FollowupRow | None:
    """Move a follow-up to `status` if it is still in one of `allowed_from` (one statement, so
    two leads answering at once cannot both move it); None if it was not. Without a note the
    one it had stays."""
    values: dict[str, Any] = {"status": status, "updated_by": by, "updated_at": at}
    if note is not None:
        values["note"] = note
    if status == "resolved":
        values["resolved_at"] = at
    statement = (
        update(escalation_followups)
        .where(_c.id == followup_id, _c.status.in_(sorted(allowed_from)))
        .values(values)
        .returning(*escalation_followups.c)
    )
    async with engine.begin() as conn:
        found = (await conn.execute(statement)).mappings().first()
    return None if found is None else _row(found)


def _row(mapping: Any) -> FollowupRow:
    return FollowupRow(**mapping)
