"""The directory's tests change the session's one database: each test gets it back as it was
(rows restored straight in the tables, then the service re-reads them), pass or fail."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import asyncpg
import pytest

from ccc_telephony.app import Service
from ccc_telephony.store import tokens
from tests.integration.web.conftest import auth, http

__all__ = ["auth", "http"]

API = Callable[..., Awaitable[tuple[int, Any]]]
TABLES = ("consortia", "counties", "consortium_numbers", "transfer_allowlist")


@pytest.fixture(autouse=True)
async def directory_restored(service: Service, db: asyncpg.Connection) -> AsyncIterator[None]:
    before = {table: await db.fetch(f"SELECT * FROM {table}") for table in TABLES}
    yield
    async with db.transaction():
        await db.execute("DELETE FROM consortium_numbers")
        await db.execute("DELETE FROM transfer_allowlist")
        for row in before["consortia"]:
            await db.execute(
                "INSERT INTO consortia VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING",
                *row.values(),
            )
        for row in before["counties"]:
            await db.execute(
                "UPDATE counties SET consortium_id = $2 WHERE code = $1",
                row["code"],
                row["consortium_id"],
            )
        kept = [row["id"] for row in before["consortia"]]
        await db.execute("DELETE FROM consortia WHERE NOT (id = ANY($1::text[]))", kept)
        for row in before["consortia"]:
            await db.execute(
                "UPDATE consortia SET name = $2, phone = $3, position = $4 WHERE id = $1",
                row["id"],
                row["name"],
                row["phone"],
                row["position"],
            )
        for row in before["consortium_numbers"]:
            await db.execute("INSERT INTO consortium_numbers VALUES ($1, $2, $3)", *row.values())
        for row in before["transfer_allowlist"]:
            await db.execute("INSERT INTO transfer_allowlist VALUES ($1, $2)", *row.values())
    await service.directory.refresh()


@pytest.fixture
def api(http: tuple[aiohttp.ClientSession, str], auth: dict[str, str]) -> API:
    """`await api(method, path, json=...)` as the admin -> (status, JSON reply)."""
    session, base = http

    async def call(
        method: str, path: str, *, json: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        url = f"{base}/api/v1/directory{path}"
        async with session.request(method, url, json=json, headers=headers or auth) as reply:
            return reply.status, await reply.json()

    return call


@pytest.fixture
async def supervisor_token(
    service: Service, http: tuple[aiohttp.ClientSession, str], auth: dict[str, str]
) -> AsyncIterator[str]:
    """An API token of a supervisor on the roster (staff, not the admin); removed after."""
    session, base = http
    async with asyncio.timeout(15):
        await service.agents.loaded.wait()
    body = {"id": "dir.super", "name": "Dir Super", "extension": "4891", "team": "ebd"}
    body["role"] = "supervisor"
    async with session.post(f"{base}/api/v1/agents", json=body, headers=auth) as reply:
        assert reply.status == 201, await reply.text()
    yield (await tokens.issue(service.engine, body["id"])).token
    async with session.delete(f"{base}/api/v1/agents/{body['id']}", headers=auth) as reply:
        assert reply.status == 200, await reply.text()
