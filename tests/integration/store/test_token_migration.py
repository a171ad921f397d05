"""Migration 0005 on a database that has tokens from before it: a token without an agent is
gone (it carried a role no roster backs), a leaver's is revoked, the others keep working; the
downgrade gives each token its agent's role back."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable

import asyncpg
import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

from ccc_telephony.store.engine import make_engine
from ccc_telephony.store.migrate import alembic_config
from tests.integration.support.database import with_database

pytestmark = pytest.mark.integration


Step = Callable[[Config, str], None]


async def _migrate(url: str, step: Step, revision: str) -> None:
    """`alembic upgrade|downgrade REVISION`, as store/migrate.py runs it."""

    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        step(config, revision)

    engine = make_engine(url, pool_size=1)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(run)
    finally:
        await engine.dispose()


@pytest.fixture
async def at_0004(database_url: str) -> AsyncIterator[str]:
    name = f"ccc_test_mig_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(database_url, timeout=10)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = with_database(database_url, name)
    try:
        await _migrate(url, command.upgrade, "0004")
        yield url
    finally:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()


async def test_0005_keeps_live_agents_tokens_and_drops_the_rest(at_0004: str) -> None:
    conn = await asyncpg.connect(at_0004, timeout=10)
    try:
        await conn.execute(
            "INSERT INTO agents (id, name, extension, team, role, languages, active) VALUES"
            " ('lee', 'Lee', '3001', 'ebd', 'lead', '{en}', true),"
            " ('gone', 'Gone', '3002', 'ebd', 'worker', '{en}', false)"
        )
        await conn.execute(
            "INSERT INTO api_tokens (token_sha256, user_name, role, agent_id) VALUES"
            " ('h-lee', 'lee', 'supervisor', 'lee'), ('h-gone', 'gone', 'agent', 'gone'),"
            " ('h-nobody', 'ops', 'admin', NULL)"
        )
        await _migrate(at_0004, command.upgrade, "0005")
        rows = await conn.fetch(
            "SELECT token_sha256, agent_id, revoked_at, revoked_by FROM api_tokens ORDER BY id"
        )
        assert [(r["token_sha256"], r["revoked_at"] is None) for r in rows] == [
            ("h-lee", True),
            ("h-gone", False),
        ]
        assert rows[1]["revoked_by"].startswith("migration 0005")

        await _migrate(at_0004, command.downgrade, "0004")
        roles = await conn.fetch("SELECT user_name, role FROM api_tokens ORDER BY id")
        assert [(r["user_name"], r["role"]) for r in roles] == [("lee", "lead"), ("gone", "agent")]
    finally:
        await conn.close()
