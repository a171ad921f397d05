"""API tokens for agents, leads and supervisors. Only a SHA-256 of each token is stored: a
token is random (not a password), so a plain hash is enough to make a leaked table useless."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.store.tables import api_tokens


@dataclass(frozen=True, slots=True)
class TokenOwner:
    user_name: str
    role: str
    agent_id: str | None


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue(engine: AsyncEngine, *, user_name: str, role: str, agent_id: str | None) -> str:
    """A new token, returned once; the database keeps only its hash."""
    token = secrets.token_urlsafe(32)
    async with engine.begin() as conn:
        await conn.execute(
            insert(api_tokens).values(
                token_sha256=digest(token), user_name=user_name, role=role, agent_id=agent_id
            )
        )
    return token


async def owner(engine: AsyncEngine, token: str) -> TokenOwner | None:
    query = select(api_tokens.c.user_name, api_tokens.c.role, api_tokens.c.agent_id).where(
        api_tokens.c.token_sha256 == digest(token), api_tokens.c.revoked_at.is_(None)
    )
    async with engine.connect() as conn:
        row = (await conn.execute(query)).first()
    return None if row is None else TokenOwner(row.user_name, row.role, row.agent_id)


async def revoke_all(engine: AsyncEngine, user_name: str) -> int:
    statement = (
        update(api_tokens)
        .where(api_tokens.c.user_name == user_name, api_tokens.c.revoked_at.is_(None))
        .values(revoked_at=func.now())
    )
    async with engine.begin() as conn:
        return (await conn.execute(statement)).rowcount
