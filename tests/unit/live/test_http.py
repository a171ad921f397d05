"""The feed's WebSocket: numbered messages, a heartbeat when the interval passes, a refused
query before the upgrade, and one audited read per connection to the calls topic."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from ccc_telephony.live import http
from ccc_telephony.live.feed import Audience, LiveFeed
from ccc_telephony.web.auth import ADMIN, Principal, bearer_auth, json_errors
from ccc_telephony.web.reads import READS
from tests.unit.staff import ROSTER

NOW = datetime(2027, 1, 5, 16, 0, tzinfo=UTC)
Client = TestClient[web.Request, web.Application]


class Reads:
    """The audit, kept in a list."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str, dict[str, Any]]] = []

    async def record(self, principal: Principal, what: str, scope: Mapping[str, Any]) -> None:
        self.rows.append((principal.who, what, dict(scope)))


@pytest.fixture
def feed() -> LiveFeed:
    return LiveFeed(roster=lambda: ROSTER, clock=lambda: NOW, queues=frozenset({"ebd"}))


@pytest.fixture
async def client(feed: LiveFeed) -> AsyncIterator[tuple[Client, Reads]]:
    app = web.Application(middlewares=[json_errors, bearer_auth("admin-secret")])
    reads = Reads()
    app[READS] = reads
    app.add_routes(http.routes(feed, lambda: NOW, heartbeat=0.2))
    async with TestClient(TestServer(app)) as test_client:
        yield test_client, reads


ADMIN_TOKEN = {"Authorization": "Bearer admin-secret"}


async def test_messages_are_numbered_with_heartbeats_between(
    client: tuple[Client, Reads], feed: LiveFeed
) -> None:
    test_client, reads = client
    async with test_client.ws_connect("/api/v1/live?topics=notices", headers=ADMIN_TOKEN) as ws:
        hello = await ws.receive_json(timeout=5)
        assert (hello["seq"], hello["type"], hello["topics"]) == (1, "hello", ["notices"])
        beat = await ws.receive_json(timeout=5)
        assert (beat["seq"], beat["type"], beat["at"]) == (2, "heartbeat", NOW.isoformat())
        feed.publish("marker", {"n": 1}, Audience())
        marker = await ws.receive_json(timeout=5)
        assert (marker["seq"], marker["type"], marker["topic"]) == (3, "marker", "notices")
    assert reads.rows == []  # no call data followed


async def test_following_calls_is_an_audited_read_once_per_connection(
    client: tuple[Client, Reads],
) -> None:
    test_client, reads = client
    async with test_client.ws_connect("/api/v1/live?queue=ebd", headers=ADMIN_TOKEN) as ws:
        assert (await ws.receive_json(timeout=5))["type"] == "hello"
    assert reads.rows == [(ADMIN.who, "live_calls", {"queue": "ebd", "agent": None})]


async def test_an_unknown_topic_is_refused_before_the_upgrade(
    client: tuple[Client, Reads],
) -> None:
    test_client, reads = client
    async with test_client.get("/api/v1/live?topics=call", headers=ADMIN_TOKEN) as reply:
        assert reply.status == 400
        assert (await reply.json())["detail"].startswith("topics: unknown call;")
    assert reads.rows == []
