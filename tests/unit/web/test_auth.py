"""The bearer middleware with a stand-in token look-up: staff reach only the staff routes,
a look-up that cannot be made now is a 503 (retry), and audit names carry the token."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from ccc_telephony.web.auth import Principal, TokensUnavailable, bearer_auth, json_errors, user_of

MARIA = Principal(name="maria", role="agent", agent_id="maria", token_id=12)


async def _lookup(token: str) -> Principal | None:
    if token == "busy":
        raise TokensUnavailable("too many token look-ups at once")
    return MARIA if token == "marias" else None


async def _who(request: web.Request) -> web.Response:
    return web.json_response({"who": user_of(request)})


@pytest.fixture
async def client() -> AsyncIterator[TestClient[web.Request, web.Application]]:
    app = web.Application(middlewares=[json_errors, bearer_auth("admin-secret", _lookup)])
    app.router.add_get("/api/v1/agents/maria", _who)
    app.router.add_get("/api/v1/me", _who)
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


async def _get(client: TestClient[web.Request, web.Application], path: str, token: str) -> int:
    async with client.get(path, headers={"Authorization": f"Bearer {token}"}) as reply:
        return reply.status


async def test_audit_names_carry_the_token(
    client: TestClient[web.Request, web.Application],
) -> None:
    headers = {"Authorization": "Bearer marias"}
    async with client.get("/api/v1/agents/maria", headers=headers) as reply:
        assert (reply.status, await reply.json()) == (200, {"who": "maria (token 12)"})
    async with client.get(
        "/api/v1/agents/maria", headers={"Authorization": "Bearer admin-secret"}
    ) as reply:
        assert (await reply.json())["who"] == "admin"


async def test_staff_reach_only_staff_routes(
    client: TestClient[web.Request, web.Application],
) -> None:
    assert await _get(client, "/api/v1/me", "marias") == 403  # no route by that prefix
    assert await _get(client, "/api/v1/me", "admin-secret") == 200
    assert await _get(client, "/api/v1/agents/maria", "made-up") == 401


async def test_a_token_that_cannot_be_checked_now_is_a_503(
    client: TestClient[web.Request, web.Application],
) -> None:
    headers = {"Authorization": "Bearer busy"}
    async with client.get("/api/v1/agents/maria", headers=headers) as reply:
        assert reply.status == 503 and reply.headers["Retry-After"] == "1"
        assert (await reply.json())["error"] == "unavailable"
