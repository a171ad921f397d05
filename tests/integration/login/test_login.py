"""Staff log in with a username and password over HTTP: the session reads what their role
reads, never writes; logout and a new password end it; failures are rate-limited; the admin
logs in with the admin token; the CLI sets a password from standard input."""

from __future__ import annotations

import asyncio
import os
import secrets
import sys
from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest
from sqlalchemy import select

from ccc_telephony.app import Service
from ccc_telephony.devstack.stack import Stack
from ccc_telephony.store import tokens, web_login
from ccc_telephony.store.tables import web_sessions

PASSWORD = "a long pass phrase 1"


class Browser:
    """A browser's view: its own cookie jar, forms posted, redirects not followed."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))

    async def log_in(self, username: str, password: str) -> int:
        form = {"username": username, "password": password}
        async with self.http.post(self.base + "/login", data=form, allow_redirects=False) as reply:
            if reply.status == 303:
                cookie = reply.cookies["ccc_session"]
                assert cookie["httponly"] and cookie["samesite"] == "Strict", cookie
                assert reply.headers["Location"] == "/wallboard"
            return reply.status

    async def status(self, method: str, path: str) -> int:
        async with self.http.request(method, self.base + path, allow_redirects=False) as reply:
            return reply.status


@pytest.fixture
async def base(service: Service) -> str:
    async with asyncio.timeout(15):
        await service.agents.loaded.wait()
    return f"http://127.0.0.1:{service.settings.http_port}"


@pytest.fixture
async def staff(
    base: str, admin_token: str, service: Service
) -> AsyncIterator[aiohttp.ClientSession]:
    """The admin's API client; two agents of different teams added, removed afterwards."""
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {admin_token}"}) as api:
        for agent_id, extension, team in (("pwann", "3951", "ebd"), ("pwcy", "3952", "family")):
            body = {"id": agent_id, "name": agent_id, "extension": extension, "team": team}
            async with api.post(base + "/api/v1/agents", json=body) as reply:
                assert reply.status == 201, await reply.text()
        yield api
        for agent_id in ("pwann", "pwcy"):
            async with api.delete(f"{base}/api/v1/agents/{agent_id}"):
                pass
    service.login.failures = type(service.login.failures)()  # this test's failures forgotten


async def _put_password(
    api: aiohttp.ClientSession, base: str, agent_id: str, body: dict[str, str], **kw: object
) -> tuple[int, dict[str, object]]:
    async with api.put(f"{base}/api/v1/agents/{agent_id}/password", json=body, **kw) as reply:  # type: ignore[arg-type]
        return reply.status, await reply.json()


async def test_staff_log_in_read_as_their_role_and_log_out(
    base: str, staff: aiohttp.ClientSession, service: Service, admin_token: str
) -> None:
    status, reply = await _put_password(staff, base, "pwann", {"password": "too short"})
    assert status == 400 and "at least 12" in str(reply["detail"])
    status, _ = await _put_password(staff, base, "pwann", {"password": PASSWORD})
    assert status == 200

    ann = Browser(base)
    try:
        assert await ann.status("GET", "/wallboard") == 303  # to the login page
        assert await ann.log_in("pwann", "not her password") == 401
        assert await ann.log_in("nobody", PASSWORD) == 401
        assert await ann.log_in("pwann", PASSWORD) == 303
        assert await ann.status("GET", "/api/v1/agents/pwann") == 200
        async with ann.http.get(base + "/api/v1/wallboard") as reply:  # an agent's view
            panels = (await reply.json())["panels"]
        assert set(panels) == {"queues", "agents"}
        assert [row["id"] for row in panels["agents"]] == ["pwann"]
        assert await ann.status("GET", "/api/v1/agents/pwcy") == 403  # not her unit
        assert await ann.status("GET", "/api/v1/hours") == 403  # the admin's
        assert await ann.status("POST", "/api/v1/agents/pwann/login") == 401  # writes: a token
        assert await ann.status("POST", "/logout") == 303
        assert await ann.status("GET", "/api/v1/agents/pwann") == 401
    finally:
        await ann.http.close()

    admin = Browser(base)
    try:
        assert await admin.log_in("admin", admin_token) == 303
        assert await admin.status("GET", "/api/v1/hours") == 200
    finally:
        await admin.http.close()


async def test_a_new_password_ends_the_old_sessions_and_failures_are_limited(
    base: str, staff: aiohttp.ClientSession, service: Service
) -> None:
    await _put_password(staff, base, "pwcy", {"password": PASSWORD})
    cy = Browser(base)
    try:
        assert await cy.log_in("pwcy", PASSWORD) == 303
        token = (await tokens.issue(service.engine, "pwcy")).token
        own = {"Authorization": f"Bearer {token}"}
        new = {"password": "another pass phrase", "current_password": "wrong one here"}
        async with aiohttp.ClientSession(headers=own) as api:
            status, _ = await _put_password(api, base, "pwcy", new)
            assert status == 403
            status, _ = await _put_password(
                api, base, "pwcy", {**new, "current_password": PASSWORD}
            )
            assert status == 200
            status, _ = await _put_password(api, base, "pwann", {"password": PASSWORD})
            assert status == 403  # only their own
        assert await cy.status("GET", "/api/v1/agents/pwcy") == 401  # the old session ended
        for _ in range(4):  # with the wrong current password above: five failures
            assert await cy.log_in("pwcy", "guess guess guess") == 401
        assert await cy.log_in("pwcy", "another pass phrase") == 429
    finally:
        await cy.http.close()


async def test_staff_may_log_in_with_their_own_api_token(
    base: str, staff: aiohttp.ClientSession, service: Service
) -> None:
    token = (await tokens.issue(service.engine, "pwann")).token
    browser = Browser(base)
    try:
        assert await browser.log_in("pwcy", token) == 401  # another person's token
        assert await browser.log_in("pwann", token) == 303
        assert await browser.status("GET", "/api/v1/agents/pwann") == 200
    finally:
        await browser.http.close()


async def test_the_cli_sets_a_password_read_from_standard_input(
    base: str, staff: aiohttp.ClientSession, stack: Stack, database_url: str
) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "ccc_telephony",
        "agents",
        "password",
        "pwann",
        env={**os.environ, **stack.env, "DATABASE_URL": database_url},
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(60):
        _, err = await process.communicate(b"set from the terminal\n")
    assert process.returncode == 0, err
    ann = Browser(base)
    try:
        assert await ann.log_in("pwann", "set from the terminal") == 303
    finally:
        await ann.http.close()


async def test_sessions_over_for_a_month_are_cleared_when_someone_logs_in(service: Service) -> None:
    now = service.clock()
    old = web_login.digest(secrets.token_urlsafe(16))
    long_ago = now - web_login.SESSIONS_KEPT - timedelta(days=2)
    await web_login.open_session(
        service.engine, old, who="pwold", at=long_ago, expires_at=long_ago + timedelta(hours=14)
    )
    recent = web_login.digest(secrets.token_urlsafe(16))
    await web_login.open_session(
        service.engine, recent, who="pwnew", at=now, expires_at=now + timedelta(hours=14)
    )
    async with service.engine.connect() as conn:
        kept = set((await conn.execute(select(web_sessions.c.who))).scalars())
    assert "pwnew" in kept and "pwold" not in kept
