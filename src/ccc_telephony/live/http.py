"""`GET /api/v1/live`: the live feed as a WebSocket of JSON text messages.

The first message is `{"type": "hello", "who": ...}` once the client is subscribed (a client
that waits for it misses nothing published after). What the client sends is ignored; pings
keep an idle connection alive through proxies.
"""

from __future__ import annotations

import asyncio
import contextlib
import json

from aiohttp import WSMsgType, web

from ccc_telephony.live.feed import Closing, LiveFeed, Subscriber
from ccc_telephony.web.auth import principal_of

HEARTBEAT_SECONDS = 30.0
# A client sends nothing we read; anything large is refused rather than buffered.
MAX_CLIENT_MESSAGE = 4096


def routes(feed: LiveFeed) -> web.RouteTableDef:
    table = web.RouteTableDef()

    @table.get("/api/v1/live")
    async def live(request: web.Request) -> web.WebSocketResponse:
        principal = principal_of(request)
        ws = web.WebSocketResponse(heartbeat=HEARTBEAT_SECONDS, max_msg_size=MAX_CLIENT_MESSAGE)
        await ws.prepare(request)
        subscriber = feed.subscribe(principal)
        subscriber.offer(json.dumps({"type": "hello", "who": principal.name}))
        pump = asyncio.create_task(_pump(ws, subscriber))
        try:
            async for message in ws:
                if message.type is WSMsgType.ERROR:
                    break
        finally:
            feed.unsubscribe(subscriber)
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pump
            await ws.close()
        return ws

    return table


async def _pump(ws: web.WebSocketResponse, subscriber: Subscriber) -> None:
    """Send what the client's queue holds, in order, until it says to close."""
    while True:
        item = await subscriber.queue.get()
        if isinstance(item, Closing):
            await ws.close(code=item.code, message=item.reason.encode())
            return
        await ws.send_str(item)
