"""`GET /api/v1/live`: the live feed as a WebSocket of JSON text messages.

The query string chooses what to follow (`topics`, `queue`, `agent`); a wrong one is refused
before the upgrade (400, naming the parameter; 403 for an agent asking for someone else).
Following the `calls` topic is a read of call data, audited once per connection before it
starts. The first message is `hello` once the client is subscribed (a client that waits for it
misses nothing published after); every message carries the connection's `seq` (1, 2, ...), and
a `heartbeat` comes every 15 s, so a screen knows it is still live when nothing happens.
What the client sends is ignored; WebSocket pings keep an idle connection open through proxies.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from datetime import datetime

from aiohttp import WSMsgType, web

from ccc_telephony.live.access import BadFilter, Filters, filters_of
from ccc_telephony.live.feed import Closing, LiveFeed, Subscriber
from ccc_telephony.web.auth import forbidden, principal_of
from ccc_telephony.web.reads import read_of_call_data
from ccc_telephony.web.validation import bad_request

HEARTBEAT_SECONDS = 15.0
PING_SECONDS = 30.0
# A client sends nothing we read; anything large is refused rather than buffered.
MAX_CLIENT_MESSAGE = 4096


def routes(
    feed: LiveFeed,
    clock: Callable[[], datetime],
    *,
    heartbeat: float = HEARTBEAT_SECONDS,
) -> web.RouteTableDef:
    table = web.RouteTableDef()

    @table.get("/api/v1/live")
    async def live(request: web.Request) -> web.WebSocketResponse:
        principal = principal_of(request)
        filters = _filters(request, feed)
        if "calls" in filters.topics:
            await read_of_call_data(request, "live_calls", queue=filters.queue, agent=filters.agent)
        ws = web.WebSocketResponse(heartbeat=PING_SECONDS, max_msg_size=MAX_CLIENT_MESSAGE)
        await ws.prepare(request)
        subscriber = feed.subscribe(principal, filters)
        hello = {
            "type": "hello",
            "who": principal.name,
            "topics": sorted(filters.topics),
            "heartbeat_seconds": heartbeat,
        }
        subscriber.offer(json.dumps(hello))
        pump = asyncio.create_task(_pump(ws, subscriber, heartbeat, clock))
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


def _filters(request: web.Request, feed: LiveFeed) -> Filters:
    try:
        return filters_of(
            request.query,
            principal=principal_of(request),
            queues=feed.queues,
            roster=feed.roster(),
        )
    except BadFilter as exc:
        raise (forbidden(str(exc)) if exc.forbidden else bad_request(str(exc))) from None


async def _pump(
    ws: web.WebSocketResponse,
    subscriber: Subscriber,
    heartbeat: float,
    clock: Callable[[], datetime],
) -> None:
    """Send what the client's queue holds, in order and numbered, with a heartbeat whenever
    `heartbeat` seconds pass, until the queue says to close."""
    loop = asyncio.get_running_loop()
    seq = 0
    beat_at = loop.time() + heartbeat
    while True:
        try:
            async with asyncio.timeout_at(beat_at):
                item = await subscriber.queue.get()
        except TimeoutError:
            beat_at = loop.time() + heartbeat
            item = json.dumps({"type": "heartbeat", "at": clock().isoformat()})
        if isinstance(item, Closing):
            await ws.close(code=item.code, message=item.reason.encode())
            return
        seq += 1
        await ws.send_str(f'{{"seq": {seq}, {item[1:]}')
