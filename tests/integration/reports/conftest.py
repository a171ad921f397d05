"""The reports' API against a real PostgreSQL, without Asterisk: a fresh database, events
seeded through the real EventWriter, and the reports' routes behind the real authentication
middleware (tokens for an admin, a lead, a supervisor and two agents)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from datetime import datetime
from pathlib import Path

import asyncpg
import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.config.agents import RosterAgent
from ccc_telephony.config.policy import Policy, load_policy
from ccc_telephony.config.settings import DEFAULT_POLICY
from ccc_telephony.reports import http as reports_http
from ccc_telephony.store.engine import make_engine
from ccc_telephony.store.events import CallEvent, EventWriter
from ccc_telephony.web.auth import Principal, Role, bearer_auth, json_errors
from tests.integration.support.database import fresh_database

ADMIN_TOKEN = "reports-admin-token"
ROSTER = {
    agent.id: agent
    for agent in (
        RosterAgent(id="lena", name="Lena", extension="3801", team="ebd", role="lead"),
        RosterAgent(id="sam", name="Sam", extension="3802", team="family", role="supervisor"),
        RosterAgent(id="maria", name="Maria", extension="3803", team="ebd"),
        RosterAgent(id="lee", name="Lee", extension="3804", team="family"),
    )
}
ROLES: dict[str, Role] = {"lena": "lead", "sam": "supervisor", "maria": "agent", "lee": "agent"}


@pytest.fixture(scope="session")
async def reports_url(postgres_server: str) -> AsyncIterator[str]:
    async with fresh_database(postgres_server) as url:
        yield url


@pytest.fixture(scope="session")
async def reports_engine(reports_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(reports_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def reports_db(reports_url: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(reports_url)
    yield connection
    await connection.close()


@pytest.fixture(scope="session")
def policy() -> Policy:
    return load_policy(DEFAULT_POLICY)


async def write_events(engine: AsyncEngine, spool: Path, events: Iterable[CallEvent]) -> None:
    writer = EventWriter(engine=engine, spool_path=spool)
    async with asyncio.timeout(60):
        await writer.start()
        for event in events:
            writer.emit(event)
        await writer.wait_idle()
        await writer.stop()


async def _principal(token: str) -> Principal | None:
    name = token.removesuffix("-token")
    role = ROLES.get(name)
    return None if role is None else Principal(name=name, role=role, agent_id=name)


class Reports:
    """The reports' routes served on a free port, asked with each person's token."""

    def __init__(self, client: TestClient[web.Request, web.Application]) -> None:
        self.client = client

    async def get(self, path: str, who: str = "admin", **params: str) -> ClientResponse:
        token = ADMIN_TOKEN if who == "admin" else f"{who}-token"
        headers = {"Authorization": f"Bearer {token}"}
        if params.pop("accept_csv", None):
            headers["Accept"] = "text/csv"
        return await self.client.get(f"/api/v1/reports/{path}", params=params, headers=headers)


@pytest.fixture
async def reports(
    reports_engine: AsyncEngine, policy: Policy, now: datetime
) -> AsyncIterator[Reports]:
    app = web.Application(middlewares=[json_errors, bearer_auth(ADMIN_TOKEN, _principal)])
    context = reports_http.ReportsContext(
        engine=reports_engine, policy=policy, clock=lambda: now, roster=lambda: ROSTER
    )
    app.add_routes(reports_http.routes(context))
    async with TestClient(TestServer(app)) as client:
        yield Reports(client)
