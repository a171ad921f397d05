"""The contact log: one row per contact an agent must log (their part of an inbound call, a
return call that reached the caller, a failed outbound attempt) and the wrap-up they record
for it.

Inbound rows come from the call's own queue events, in the event writer's transaction
(store/projection.py): `agent_answered` opens one, `agent_call_completed` sets when the
agent's part ended and when its wrap-up is due, `ended_by_agent_abusive` marks that it needs
an abusive-call note. Each statement is an upsert keyed on (kind, call, agent), so the events
may come in any order, or again (a replayed spool), and end the same.

Every moment here comes from the caller (the service's clock), never the database's now().
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import func, select, true, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql.expression import Executable

from ccc_telephony.store.tables import contacts

Kind = Literal["inbound_call", "return_call", "outbound_attempt"]
INBOUND: Kind = "inbound_call"
RETURN_CALL: Kind = "return_call"  # answered: a conversation like an inbound call
OUTBOUND: Kind = "outbound_attempt"
# The contacts a wrap-up is recorded for after the call (a failed attempt is logged whole).
CONVERSATIONS: tuple[Kind, ...] = (INBOUND, RETURN_CALL)
_c = contacts.c


@dataclass(frozen=True, slots=True)
class ContactRow:
    id: int
    kind: str
    call_id: str
    agent_id: str
    started_at: datetime | None
    ended_at: datetime | None
    due_at: datetime | None
    abusive: bool
    disposition: str | None
    comment: str | None
    first_contact_resolved: bool | None
    interpreter_used: bool | None
    abusive_note: str | None
    recorded_by: str | None
    recorded_at: datetime | None


@dataclass(frozen=True, slots=True)
class Wrapup:
    disposition: str
    comment: str | None
    first_contact_resolved: bool | None
    interpreter_used: bool | None
    abusive_note: str | None = None


def _inbound(
    call_id: str, agent_id: str, values: dict[str, Any], kind: Kind = INBOUND
) -> Executable:
    """Set `values` on the agent's contact for the call, made if need be; a column that
    holds a value already keeps it (a repeated or replayed event changes nothing)."""
    statement = insert(contacts).values(kind=kind, call_id=call_id, agent_id=agent_id, **values)
    return statement.on_conflict_do_update(
        index_elements=[_c.kind, _c.call_id, _c.agent_id],
        set_={key: func.coalesce(_c[key], statement.excluded[key]) for key in values},
    )


def answered(call_id: str, agent_id: str, at: datetime) -> Executable:
    """The agent took the call: a contact they owe a wrap-up for, once it ends."""
    return _inbound(call_id, agent_id, {"started_at": at})


def completed(call_id: str, agent_id: str, at: datetime, due_after: timedelta) -> Executable:
    """The agent's part ended: the wrap-up is due `due_after` later."""
    return _inbound(call_id, agent_id, {"ended_at": at, "due_at": at + due_after})


def ended_abusive(call_id: str, agent_id: str) -> Executable:
    """The agent ended the call as abusive: its wrap-up needs an abusive-call note."""
    statement = insert(contacts).values(
        kind=INBOUND, call_id=call_id, agent_id=agent_id, abusive=True
    )
    return statement.on_conflict_do_update(
        index_elements=[_c.kind, _c.call_id, _c.agent_id], set_={"abusive": True}
    )


async def failed_attempt(
    engine: AsyncEngine, *, call_id: str, agent_id: str, at: datetime, wrapup: Wrapup, by: str
) -> ContactRow:
    """A failed outbound attempt, logged as it happens: nothing is left to record later."""
    statement = (
        insert(contacts)
        .values(
            kind=OUTBOUND,
            call_id=call_id,
            agent_id=agent_id,
            started_at=at,
            ended_at=at,
            due_at=at,
            **_wrapup_values(wrapup, by=by, at=at),
        )
        .on_conflict_do_nothing()
        .returning(*contacts.c)
    )
    async with engine.begin() as conn:
        found = (await conn.execute(statement)).mappings().first()
    if found is None:
        raise ValueError(f"attempt {call_id} by {agent_id} is logged already")
    return _row(found)


async def return_call_answered(
    engine: AsyncEngine, *, call_id: str, agent_id: str, at: datetime
) -> None:
    """A return call reached the caller (`call_id`: the attempt's channel): a contact the
    agent owes a wrap-up for, once it ends."""
    async with engine.begin() as conn:
        await conn.execute(_inbound(call_id, agent_id, {"started_at": at}, RETURN_CALL))


async def return_call_ended(
    engine: AsyncEngine, *, call_id: str, agent_id: str, at: datetime, due_after: timedelta
) -> None:
    values = {"ended_at": at, "due_at": at + due_after}
    async with engine.begin() as conn:
        await conn.execute(_inbound(call_id, agent_id, values, RETURN_CALL))


async def contact(
    engine: AsyncEngine, kinds: Collection[Kind], call_id: str, agent_id: str
) -> ContactRow | None:
    statement = select(contacts).where(
        _c.kind.in_(list(kinds)), _c.call_id == call_id, _c.agent_id == agent_id
    )
    async with engine.connect() as conn:
        found = (await conn.execute(statement)).mappings().first()
    return None if found is None else _row(found)


async def record(
    engine: AsyncEngine, row_id: int, wrapup: Wrapup, *, by: str, at: datetime
) -> ContactRow | None:
    """The agent's wrap-up (again, to correct it)."""
    statement = (
        update(contacts)
        .where(_c.id == row_id)
        .values(_wrapup_values(wrapup, by=by, at=at))
        .returning(*contacts.c)
    )
    async with engine.begin() as conn:
        found = (await conn.execute(statement)).mappings().first()
    return None if found is None else _row(found)


async def missing(
    engine: AsyncEngine, *, agents: Collection[str] | None, now: datetime, limit: int
) -> list[ContactRow]:
    """Contacts of these agents (None: everyone's) whose wrap-up is due and not recorded,
    longest overdue first."""
    who = true() if agents is None else _c.agent_id.in_(sorted(agents))
    statement = (
        select(contacts)
        .where(who, _c.recorded_at.is_(None), _c.due_at <= now)
        .order_by(_c.due_at, _c.id)
        .limit(limit)
    )
    async with engine.connect() as conn:
        return [_row(m) for m in (await conn.execute(statement)).mappings()]


def _wrapup_values(wrapup: Wrapup, *, by: str, at: datetime) -> dict[str, Any]:
    return {
        "disposition": wrapup.disposition,
        "comment": wrapup.comment,
        "first_contact_resolved": wrapup.first_contact_resolved,
        "interpreter_used": wrapup.interpreter_used,
        "abusive_note": wrapup.abusive_note,
        "recorded_by": by,
        "recorded_at": at,
    }


def _row(mapping: Any) -> ContactRow:
    return ContactRow(**mapping)
