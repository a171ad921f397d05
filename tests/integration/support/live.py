"""A real WebSocket client on the service's live feed, as a supervisor's screen would be."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp

# Published by a background check at any moment, whatever the test does: every agent a test
# adds has no greeting yet, and the mailbox check flags them to their unit's screens.
BACKGROUND = frozenset({"mailbox_flagged"})
NOTICES = "notices"


class LiveClient:
    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws

    async def next(self, timeout: float = 10) -> dict[str, Any]:
        """The next notice but the background checks' (calls, queues, agents' states and
        heartbeats pass by); fails if none comes within `timeout` seconds."""
        async with asyncio.timeout(timeout):
            while True:
                event = await self._receive()
                if event.get("topic") == NOTICES and event["type"] not in BACKGROUND:
                    return event

    async def next_of(self, kind: str, timeout: float = 10) -> dict[str, Any]:
        """The next event of this type, skipping others (e.g. an agent's call events)."""
        async with asyncio.timeout(timeout):
            while True:
                event = await self._receive()
                if event["type"] == kind:
                    return event

    async def until(self, kind: str, timeout: float = 10) -> list[dict[str, Any]]:
        """Every event before the next of this type but heartbeats and the background
        checks': what reached this screen in between."""
        seen: list[dict[str, Any]] = []
        async with asyncio.timeout(timeout):
            while (event := await self._receive())["type"] != kind:
                if event["type"] != "heartbeat" and event["type"] not in BACKGROUND:
                    seen.append(event)
        return seen

    async def _receive(self) -> dict[str, Any]:
        message = await self.ws.receive()
        assert message.type is aiohttp.WSMsgType.TEXT, message
        event: dict[str, Any] = json.loads(message.data)
        return event


@asynccontextmanager
async def live_feed(base: str, token: str, query: str = "") -> AsyncIterator[LiveClient]:
    """Connected and subscribed (its hello received): nothing published after is missed.
    `query`: the feed's filters, e.g. "topics=calls&queue=ebd"."""
    headers = {"Authorization": f"Bearer {token}"}
    url = f"{base}/api/v1/live" + (f"?{query}" if query else "")
    async with (
        aiohttp.ClientSession() as http,
        http.ws_connect(url, headers=headers) as ws,
    ):
        client = LiveClient(ws)
        hello = await client._receive()
        assert hello["type"] == "hello", hello
        yield client
