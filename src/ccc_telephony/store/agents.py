"""The roster and the record of every agent state: one row per interval, never rewritten
except to close it, so time in each state per agent and per day is one query away.

The policy's roster seeds an empty table once; after that the database is the roster.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ccc_telephony.config.agents import RosterAgent, Window
from ccc_telephony.store import tokens
from ccc_telephony.store.tables import agent_state_refusals, agent_states, agents

_AGENT_FIELDS = (
    "id",
    "name",
    "extension",
    "team",
    "role",
    "languages",
    "protected_start",
    "hq_shift",
    "email",
)


class RosterConflict(ValueError):
    """The change would break the roster (same id or extension, unknown supervisor)."""


def _values(agent: RosterAgent) -> dict[str, Any]:
    values = {name: getattr(agent, name) for name in _AGENT_FIELDS}
    values["supervisor_id"] = agent.supervisor
    values["shift_start"] = agent.shift.start if agent.shift else None
    values["shift_end"] = agent.shift.end if agent.shift else None
    return values


def agent_of(row: Any) -> RosterAgent:
    """A roster record from an `agents` row (active or not)."""
    data = {name: row[name] for name in _AGENT_FIELDS}
    shift = None
    if row["shift_start"] is not None and row["shift_end"] is not None:
        shift = Window(start=row["shift_start"], end=row["shift_end"])
    return RosterAgent(supervisor=row["supervisor_id"], shift=shift, **data)


async def seed(engine: AsyncEngine, roster: Iterable[RosterAgent]) -> int:
    """Insert the policy's roster if the table is empty; returns how many were added."""
    ordered = sorted(roster, key=lambda a: a.supervisor is not None)  # supervisors first
    async with engine.begin() as conn:
        if (await conn.execute(select(func.count()).select_from(agents))).scalar_one():
            return 0
        for agent in ordered:
            await conn.execute(insert(agents).values(**_values(agent)))
    return len(ordered)


async def active(engine: AsyncEngine) -> list[RosterAgent]:
    query = select(agents).where(agents.c.active).order_by(agents.c.id)
    async with engine.connect() as conn:
        return [agent_of(row) for row in (await conn.execute(query)).mappings()]


async def add(engine: AsyncEngine, agent: RosterAgent) -> None:
    """A new agent, or one who left (deactivated) coming back under the same id with the
    record given now; an active agent with that id is a conflict."""
    values = _values(agent)
    statement = (
        pg_insert(agents)
        .values(**values)
        .on_conflict_do_update(
            index_elements=[agents.c.id],
            set_={**values, "active": True, "updated_at": func.now()},
            where=~agents.c.active,
        )
    )
    try:
        async with engine.begin() as conn:
            taken = (await conn.execute(statement)).rowcount
    except IntegrityError as exc:
        raise RosterConflict(_conflict(exc)) from None
    if not taken:
        raise RosterConflict("an agent with that id exists")


async def replace(engine: AsyncEngine, agent: RosterAgent) -> bool:
    """Update an agent's record; False if there is no such active agent."""
    statement = (
        update(agents)
        .where(agents.c.id == agent.id, agents.c.active)
        .values(**_values(agent), updated_at=func.now())
    )
    try:
        async with engine.begin() as conn:
            return bool((await conn.execute(statement)).rowcount)
    except IntegrityError as exc:
        raise RosterConflict(_conflict(exc)) from None


async def deactivate(engine: AsyncEngine, agent_id: str, *, by: str) -> bool:
    """Agents are never deleted: their states and calls stay attributable. Their API tokens
    are revoked in the same transaction (`by` is kept as who revoked them): an agent who
    comes back gets new ones."""
    statement = (
        update(agents)
        .where(agents.c.id == agent_id, agents.c.active)
        .values(active=False, updated_at=func.now())
    )
    async with engine.begin() as conn:
        left = bool((await conn.execute(statement)).rowcount)
        await tokens.revoke_in(conn, agent_id, by=by)
    return left


def _conflict(exc: IntegrityError) -> str:
    text = str(exc.orig)
    if "uq_agents_extension" in text:
        return "another agent has that extension"
    if "agents_pkey" in text:
        return "an agent with that id exists"
    if "fk_agents_supervisor" in text:
        return "the supervisor is not in the roster"
    return "the roster refused the change"


# --- states -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OpenState:
    """An agent's current state as stored: the interval still open."""

    state: str
    reason: str | None
    since: datetime
    after_state: str | None = None  # on a call: where the agent goes when it ends
    after_reason: str | None = None


@dataclass(frozen=True, slots=True)
class StateRow:
    agent_id: str
    state: str
    reason: str | None
    started_at: datetime
    ended_at: datetime | None
    source: str
    set_by: str | None


async def current(engine: AsyncEngine) -> dict[str, OpenState]:
    """Every agent's open interval."""
    query = select(agent_states).where(agent_states.c.ended_at.is_(None))
    async with engine.connect() as conn:
        rows = (await conn.execute(query)).mappings().all()
    return {
        row["agent_id"]: OpenState(
            state=row["state"],
            reason=row["reason"],
            since=row["started_at"],
            after_state=row["after_state"],
            after_reason=row["after_reason"],
        )
        for row in rows
    }


async def record(
    engine: AsyncEngine,
    agent_id: str,
    now: OpenState,
    *,
    new_interval: bool,
    source: str,
    set_by: str | None,
) -> None:
    """Close the open interval at `now.since` and open the new one, in one transaction
    (or, without a new interval, only update what happens after the call)."""
    after = {"after_state": now.after_state, "after_reason": now.after_reason}
    async with engine.begin() as conn:
        if new_interval:
            await _close_open(conn, agent_id, now.since)
            await conn.execute(
                insert(agent_states).values(
                    agent_id=agent_id,
                    state=now.state,
                    reason=now.reason,
                    started_at=now.since,
                    source=source,
                    set_by=set_by,
                    **after,
                )
            )
        else:
            await conn.execute(
                update(agent_states)
                .where(agent_states.c.agent_id == agent_id, agent_states.c.ended_at.is_(None))
                .values(**after)
            )


async def _close_open(conn: AsyncConnection, agent_id: str, at: datetime) -> None:
    await conn.execute(
        update(agent_states)
        .where(agent_states.c.agent_id == agent_id, agent_states.c.ended_at.is_(None))
        .values(ended_at=func.greatest(at, agent_states.c.started_at))
    )


async def history(
    engine: AsyncEngine, agent_id: str, *, since: datetime, until: datetime
) -> list[StateRow]:
    """The intervals that overlap [since, until), oldest first."""
    query = (
        select(agent_states)
        .where(
            agent_states.c.agent_id == agent_id,
            agent_states.c.started_at < until,
            func.coalesce(agent_states.c.ended_at, until) > since,
        )
        .order_by(agent_states.c.started_at, agent_states.c.id)
    )
    async with engine.connect() as conn:
        rows = (await conn.execute(query)).mappings().all()
    return [
        StateRow(
            agent_id=row["agent_id"],
            state=row["state"],
            reason=row["reason"],
            started_at=row["started_at"],
            ended_at=row["ended_at"],
            source=row["source"],
            set_by=row["set_by"],
        )
        for row in rows
    ]


async def record_refusal(
    engine: AsyncEngine,
    *,
    agent_id: str,
    requested_state: str,
    reason: str | None,
    queue: str,
    rule: str,
    outcome: str,
    message: str,
    requested_by: str | None,
) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            insert(agent_state_refusals).values(
                agent_id=agent_id,
                requested_state=requested_state,
                reason=reason,
                queue=queue,
                rule=rule,
                outcome=outcome,
                message=message,
                requested_by=requested_by,
            )
        )
