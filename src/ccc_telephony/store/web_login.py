"""Staff passwords (their hashes) and the browser sessions a login opens.

A session's id is random and shown only to the browser (its cookie); the table keeps a SHA-256
of it, like API tokens, so a leaked table opens no session. Ending a session (logout, a new
password) stamps `ended_at`; the row stays as the record of who was logged in when, for
`SESSIONS_KEPT` after it is over.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.store.tables import agents, staff_passwords, web_sessions

SESSIONS_KEPT = timedelta(days=31)


class NotOnRoster(LookupError):
    """Passwords are set only for agents in the active roster."""


@dataclass(frozen=True, slots=True)
class SessionHolder:
    session_id: int
    who: str  # an agent id, or "admin"
    expires_at: datetime


def digest(session: str) -> str:
    return hashlib.sha256(session.encode()).hexdigest()


async def password_hash(engine: AsyncEngine, agent_id: str) -> str | None:
    """The stored hash of an active agent's password; None when they have none (or left)."""
    query = (
        select(staff_passwords.c.password_hash)
        .join(agents, agents.c.id == staff_passwords.c.agent_id)
        .where(staff_passwords.c.agent_id == agent_id, agents.c.active)
    )
    async with engine.connect() as conn:
        return (await conn.execute(query)).scalar_one_or_none()


async def set_password(
    engine: AsyncEngine, agent_id: str, hashed: str, *, by: str, at: datetime
) -> None:
    """Store a new hash and end the agent's open sessions in one transaction: whoever knew
    the old password is logged out everywhere."""
    async with engine.begin() as conn:
        active = (
            await conn.execute(select(agents.c.id).where(agents.c.id == agent_id, agents.c.active))
        ).scalar_one_or_none()
        if active is None:
            raise NotOnRoster(agent_id)
        statement = pg_insert(staff_passwords).values(
            agent_id=agent_id, password_hash=hashed, set_at=at, set_by=by
        )
        await conn.execute(
            statement.on_conflict_do_update(
                index_elements=[staff_passwords.c.agent_id],
                set_={"password_hash": hashed, "set_at": at, "set_by": by},
            )
        )
        await conn.execute(
            update(web_sessions)
            .where(web_sessions.c.who == agent_id, web_sessions.c.ended_at.is_(None))
            .values(ended_at=at)
        )


async def open_session(
    engine: AsyncEngine, session_sha256: str, *, who: str, at: datetime, expires_at: datetime
) -> int:
    """A new session; sessions over (expired or ended) for `SESSIONS_KEPT` go in the same
    transaction, so the table holds about a month of logins however long the service runs."""
    statement = (
        insert(web_sessions)
        .values(session_sha256=session_sha256, who=who, created_at=at, expires_at=expires_at)
        .returning(web_sessions.c.id)
    )
    over = at - SESSIONS_KEPT
    purge = delete(web_sessions).where(
        or_(web_sessions.c.expires_at < over, web_sessions.c.ended_at < over)
    )
    async with engine.begin() as conn:
        await conn.execute(purge)
        return int((await conn.execute(statement)).scalar_one())


async def live_session(
    engine: AsyncEngine, session_sha256: str, now: datetime
) -> SessionHolder | None:
    """Whose session this is, while it is neither ended nor expired."""
    query = select(web_sessions.c.id, web_sessions.c.who, web_sessions.c.expires_at).where(
        web_sessions.c.session_sha256 == session_sha256,
        web_sessions.c.ended_at.is_(None),
        web_sessions.c.expires_at > now,
    )
    async with engine.connect() as conn:
        row = (await conn.execute(query)).first()
    return None if row is None else SessionHolder(row.id, row.who, row.expires_at)


async def end_session(engine: AsyncEngine, session_sha256: str, at: datetime) -> bool:
    statement = (
        update(web_sessions)
        .where(web_sessions.c.session_sha256 == session_sha256, web_sessions.c.ended_at.is_(None))
        .values(ended_at=at)
        .returning(web_sessions.c.id)
    )
    async with engine.begin() as conn:
        return (await conn.execute(statement)).first() is not None
