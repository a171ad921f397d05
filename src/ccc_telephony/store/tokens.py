"""API tokens for agents, leads and supervisors. Only a SHA-256 of each token is stored: a
token is random (not a password), so a plain hash is enough to make a leaked table useless.

A token says whose it is, never what they may do: the role is the agent's in the roster at
each request. Revoked tokens stay, with who revoked them, so past uses stay attributable.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ccc_telephony.store.tables import agents, api_tokens


class NotOnRoster(LookupError):
    """Tokens are issued only to agents in the active roster."""


@dataclass(frozen=True, slots=True)
class IssuedToken:
    id: int
    token: str  # shown once, never stored


@dataclass(frozen=True, slots=True)
class TokenHolder:
    """Whose a live token is: its id (for the audit trail) and the agent's id."""

    token_id: int
    agent_id: str


@dataclass(frozen=True, slots=True)
class TokenRecord:
    id: int
    agent_id: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    revoked_by: str | None


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue(engine: AsyncEngine, agent_id: str) -> IssuedToken:
    """A new token for an agent in the active roster, returned once; the database keeps only
    its hash."""
    token = secrets.token_urlsafe(32)
    statement = (
        insert(api_tokens)
        .from_select(
            ["token_sha256", "agent_id"],
            select(literal(digest(token)), agents.c.id).where(
                agents.c.id == agent_id, agents.c.active
            ),
        )
        .returning(api_tokens.c.id)
    )
    async with engine.begin() as conn:
        token_id = (await conn.execute(statement)).scalar_one_or_none()
    if token_id is None:
        raise NotOnRoster(agent_id)
    return IssuedToken(token_id, token)


async def use(engine: AsyncEngine, token_sha256: str) -> TokenHolder | None:
    """Whose live token this is, stamping its last use in the same statement (one query per
    look-up; the caller caches the answer for a few seconds)."""
    statement = (
        update(api_tokens)
        .where(api_tokens.c.token_sha256 == token_sha256, api_tokens.c.revoked_at.is_(None))
        .values(last_used_at=func.now())
        .returning(api_tokens.c.id, api_tokens.c.agent_id)
    )
    async with engine.begin() as conn:
        row = (await conn.execute(statement)).first()
    return None if row is None else TokenHolder(row.id, row.agent_id)


async def revoke(
    engine: AsyncEngine, agent_id: str, *, by: str, token_id: int | None = None
) -> list[int]:
    """Revoke an agent's live tokens (or only `token_id`); the ids revoked."""
    async with engine.begin() as conn:
        return await revoke_in(conn, agent_id, by=by, token_id=token_id)


async def revoke_in(
    conn: AsyncConnection, agent_id: str, *, by: str, token_id: int | None = None
) -> list[int]:
    """`revoke` inside a transaction the caller holds (an agent leaving the roster)."""
    statement = (
        update(api_tokens)
        .where(api_tokens.c.agent_id == agent_id, api_tokens.c.revoked_at.is_(None))
        .values(revoked_at=func.now(), revoked_by=by)
        .returning(api_tokens.c.id)
    )
    if token_id is not None:
        statement = statement.where(api_tokens.c.id == token_id)
    return sorted((await conn.execute(statement)).scalars())


async def of_agent(engine: AsyncEngine, agent_id: str) -> list[TokenRecord]:
    """Every token an agent was issued, oldest first, revoked ones included."""
    query = (
        select(
            api_tokens.c.id,
            api_tokens.c.agent_id,
            api_tokens.c.created_at,
            api_tokens.c.last_used_at,
            api_tokens.c.revoked_at,
            api_tokens.c.revoked_by,
        )
        .where(api_tokens.c.agent_id == agent_id)
        .order_by(api_tokens.c.id)
    )
    async with engine.connect() as conn:
        return [TokenRecord(**row) for row in (await conn.execute(query)).mappings()]
