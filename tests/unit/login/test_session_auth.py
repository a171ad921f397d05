"""A login session's cookie is accepted for reads only; a page without one goes to the login
page, the API answers 401."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from ccc_telephony.web.auth import Principal, bearer_auth, json_errors, user_of

MARIA = Principal(name="maria", role="agent", agent_id="maria")
Client = TestClient[web.Request, web.Application]


async def _session(request: web.Request) -> Principal | None:
    return MARIA if request.cookies.get("ccc_session") == "marias-session" else None


async def _who(request: web.Request) -> web.Response:
    return web.json_response({"who": user_of(request)})


@pytest.fixture
async def client() -> AsyncIterator[Client]:
    app = web.Application(middlewares=[json_errors, bearer_auth("admin-secret", None, _session)])
    app.router.add_get("/wallboard", _who)
    app.router.add_get("/api/v1/wallboard", _who)
    app.router.add_put("/api/v1/agents/maria/state", _who)
    app.router.add_get("/api/v1/hours", _who)
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


async def test_a_session_reads_but_never_writes(client: Client) -> None:
    client.session.cookie_jar.update_cookies({"ccc_session": "marias-session"})
    async with client.get("/api/v1/wallboard") as reply:
        assert (reply.status, await reply.json()) == (200, {"who": "maria"})
    async with client.get("/wallboard") as reply:
        assert reply.status == 200
    async with client.put("/api/v1/agents/maria/state") as reply:
        assert reply.status == 401
    async with client.get("/api/v1/hours") as reply:  # not a staff route: the admin's
        assert reply.status == 403


async def test_without_a_session_a_page_goes_to_login_and_the_api_says_401(
    client: Client,
) -> None:
    client.session.cookie_jar.update_cookies({"ccc_session": "made-up"})
    async with client.get("/wallboard", allow_redirects=False) as reply:
        assert (reply.status, reply.headers["Location"]) == (303, "/login")
    async with client.get("/api/v1/wallboard") as reply:
        assert reply.status == 401
