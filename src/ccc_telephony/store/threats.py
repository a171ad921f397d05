"""Threat records and the audit of every look at them.

A threat's row is made by one statement (`flagged`), run at once by the service and again by
the call's `threat_flagged` event in the event writer's transaction (store/projection.py): the
second is a no-op, unless the first failed with the database down, when the spooled event
makes the row once the database is back.

Every moment here comes from the caller (the service's clock), never the database's now().
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, any_, insert, literal, or_, select, true, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql.expression import Executable

from ccc_telephony.store.tables import threat_access, threats

_c = threats.c
# What a flag records; the rest is written later (the account, the decision, the e-mail).
_FLAGGED_COLUMNS = (
    "id",
    "call_id",
    "case_number",
    "agent_id",
    "supervisor_ids",
    "flagged_at",
    "flagged_by",
    "source",
)


@dataclass(frozen=True, slots=True)
class ThreatRow:
    id: UUID
    call_id: str
    case_number: str | None
    agent_id: str
    supervisor_ids: list[str]
    flagged_at: datetime
    flagged_by: str
    source: str
    account: str | None
    account_updated_at: datetime | None
    reported_to_law_enforcement: bool | None
    decided_at: datetime | None
    decided_by: str | None
    decision_notes: str | None
    emailed_to: list[str] | None
    emailed_at: datetime | None
    email_error: str | None

    @property
    def decided(self) -> bool:
        return self.decided_at is not None


@dataclass(frozen=True, slots=True)
class NewThreat:
    id: UUID
    call_id: str
    case_number: str | None
    agent_id: str
    supervisor_ids: Sequence[str]
    flagged_at: datetime
    flagged_by: str
    source: str

    def as_row(self) -> ThreatRow:
        """The record as it starts: flagged, nothing written or decided yet."""
        return ThreatRow(
            id=self.id,
            call_id=self.call_id,
            case_number=self.case_number,
            agent_id=self.agent_id,
            supervisor_ids=list(self.supervisor_ids),
            flagged_at=self.flagged_at,
            flagged_by=self.flagged_by,
            source=self.source,
            account=None,
            account_updated_at=None,
            reported_to_law_enforcement=None,
            decided_at=None,
            decided_by=None,
            decision_notes=None,
            emailed_to=None,
            emailed_at=None,
            email_error=None,
        )


def flagged(threat: NewThreat) -> Executable:
    """The row of a newly flagged threat; nothing if it (or the agent's for the same call)
    exists."""
    row = threat.as_row()
    values = {column: getattr(row, column) for column in _FLAGGED_COLUMNS}
    return pg_insert(threats).values(values).on_conflict_do_nothing()


async def flag(engine: AsyncEngine, threat: NewThreat) -> tuple[ThreatRow, bool]:
    """The agent's threat record of the call, and whether it is new (an agent flags a call
    once: flagging it again answers with the record it has; another agent the same caller
    reaches after a transfer gets a record of their own)."""
    async with engine.begin() as conn:
        made = (await conn.execute(flagged(threat))).rowcount
        found = (
            (
                await conn.execute(
                    select(threats).where(
                        _c.call_id == threat.call_id, _c.agent_id == threat.agent_id
                    )
                )
            )
            .mappings()
            .one()
        )
    return _row(found), bool(made)


async def threat(engine: AsyncEngine, threat_id: UUID) -> ThreatRow | None:
    async with engine.connect() as conn:
        found = (await conn.execute(select(threats).where(_c.id == threat_id))).mappings().first()
    return None if found is None else _row(found)


async def listing(
    engine: AsyncEngine, *, agents: Collection[str] | None, supervisor: str | None, limit: int
) -> list[ThreatRow]:
    """Newest first: the threats of these agents (None: everyone's) and those told to
    `supervisor`."""
    audience: ColumnElement[bool] = true()
    if agents is not None:
        clauses: list[ColumnElement[bool]] = [_c.agent_id.in_(sorted(agents))]
        if supervisor is not None:
            clauses.append(literal(supervisor) == any_(_c.supervisor_ids))
        audience = or_(*clauses)
    statement = select(threats).where(audience).order_by(_c.flagged_at.desc()).limit(limit)
    async with engine.connect() as conn:
        return [_row(m) for m in (await conn.execute(statement)).mappings()]


async def write_account(
    engine: AsyncEngine, threat_id: UUID, account: str, at: datetime
) -> ThreatRow | None:
    """The agent's account, replacing the last one, while no decision is made (one statement,
    so a decision and an edit cannot cross); None when it was decided (or is not there)."""
    return await _update(
        engine, threat_id, {"account": account, "account_updated_at": at}, undecided=True
    )


async def decide(
    engine: AsyncEngine,
    threat_id: UUID,
    *,
    reported: bool,
    notes: str | None,
    by: str,
    at: datetime,
) -> ThreatRow | None:
    """The supervisor's decision, made once; None when one was made already."""
    values = {
        "reported_to_law_enforcement": reported,
        "decision_notes": notes,
        "decided_by": by,
        "decided_at": at,
    }
    return await _update(engine, threat_id, values, undecided=True)


async def emailed(
    engine: AsyncEngine,
    threat_id: UUID,
    *,
    to: Sequence[str],
    at: datetime | None,
    error: str | None,
) -> None:
    """What became of the supervisor's e-mail: sent to whom and when, or why not."""
    values = {"emailed_to": list(to), "emailed_at": at, "email_error": error}
    await _update(engine, threat_id, values, undecided=False)


async def _update(
    engine: AsyncEngine, threat_id: UUID, values: dict[str, Any], *, undecided: bool
) -> ThreatRow | None:
    statement = update(threats).where(_c.id == threat_id)
    if undecided:
        statement = statement.where(_c.decided_at.is_(None))
    statement = statement.values(values).returning(*threats.c)
    async with engine.begin() as conn:
        found = (await conn.execute(statement)).mappings().first()
    return None if found is None else _row(found)


async def audit(
    engine: AsyncEngine,
    *,
    who: str,
    action: str,
    allowed: bool,
    at: datetime,
    threat_ids: Sequence[UUID | None],
) -> None:
    """One audit row per threat looked at (a listing: one per threat listed, or one without a
    threat when it listed none)."""
    rows = [
        {"at": at, "who": who, "threat_id": tid, "action": action, "allowed": allowed}
        for tid in (threat_ids or [None])
    ]
    async with engine.begin() as conn:
        await conn.execute(insert(threat_access), rows)


def _row(mapping: Any) -> ThreatRow:
    return ThreatRow(**mapping)
