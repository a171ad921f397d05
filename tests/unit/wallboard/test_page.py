"""The page carries its snapshot as JSON data that no text in it can break out of, loads only
the service's own files, and a live socket opened by another site's page is refused."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from ccc_telephony.wallboard import http
from ccc_telephony.wallboard.board import Wallboard
from ccc_telephony.web.auth import ADMIN, USER, Handler, Principal, json_errors

Client = TestClient[web.Request, web.Application]
HOSTILE = "</script><script>alert(1)</script><!--"


class Names:
    name = "agents"
    for_agents = True

    async def build(self, now: datetime) -> list[dict[str, str]]:
        return [{"name": HOSTILE}]

    def view(self, data: Any, principal: Principal) -> Any:
        return data


@web.middleware
async def as_admin(request: web.Request, handler: Handler) -> web.StreamResponse:
    request[USER] = ADMIN
    return await handler(request)


@pytest.fixture
async def client() -> AsyncIterator[Client]:
    board = Wallboard([Names()], clock=lambda: datetime(2030, 3, 5, tzinfo=UTC))
    app = web.Application(middlewares=[json_errors, as_admin])
    app.add_routes(http.routes(board))
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


async def test_the_snapshot_in_the_page_cannot_end_its_element(client: Client) -> None:
    async with client.get("/wallboard") as reply:
        page = await reply.text()
        assert "default-src 'self'" in reply.headers["Content-Security-Policy"]
    data = re.search(r'<script type="application/json" id="snapshot">(.*?)</script>', page, re.S)
    assert data is not None
    assert "<" not in data.group(1)
    assert json.loads(data.group(1))["panels"]["agents"] == [{"name": HOSTILE}]
    assert 'data-panel="agents"' in page
    assert not re.search(r'(src|href)="(https?:)?//', page)  # nothing from elsewhere


async def test_another_sites_page_may_not_open_the_live_socket(client: Client) -> None:
    async with client.get(
        "/api/v1/wallboard/live",
        headers={"Origin": "http://elsewhere.example", "Upgrade": "websocket"},
    ) as reply:
        assert reply.status == 403
    async with client.ws_connect("/api/v1/wallboard/live") as ws:
        first = await ws.receive_json(timeout=5)
        assert first["type"] == "snapshot" and first["panels"]["agents"][0]["name"] == HOSTILE
        assert first["changed_at"] == first["at"]  # the snapshot dates from its own build
