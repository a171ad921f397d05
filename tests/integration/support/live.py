"""A real WebSocket client on the service's live feed, as a supervisor's screen would be."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp


class LiveClient:
    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws

    async def next(self, timeout: float = 10) -> dict[str, Any]:
        """The next event; fails if none comes within `timeout` seconds."""
        async with asyncio.timeout(timeout):
            message = await self.ws.receive()
        assert message.type is aiohttp.WSMsgType.TEXT, message
        event: dict[str, Any] = json.loads(message.data)
        return event

    async def next_of(self, kind: str, timeout: float = 10) -> dict[str, Any]:
        """The next event of this type, skipping others (e.g. an agent's call events)."""
        async with asyncio.timeout(timeout):
            while True:
                event = await self.next(timeout)
                if event["type"] == kind:
                    return event


@asynccontextmanager
async def live_feed(base: str, token: str) -> AsyncIterator[LiveClient]:
    """Connected and subscribed (its hello received): nothing published after is missed."""
    headers = {"Authorization": f"Bearer {token}"}
    async with (
        aiohttp.ClientSession() as http,
        http.ws_connect(f"{base}/api/v1/live", headers=headers) as ws,
    ):
        client = LiveClient(ws)
        hello = await client.next()
        assert hello["type"] == "hello", hello
        yield client
