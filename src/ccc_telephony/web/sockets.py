"""A server-side WebSocket that only sends: one task pushes the messages while the handler
reads (and ignores) what the client sends, so pings, pongs and the client's close are
handled; whichever side ends first ends both."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from typing import Any

from aiohttp import WSMsgType, web

HEARTBEAT_SECONDS = 20.0
# A client sends nothing we read; anything large is refused rather than buffered.
MAX_CLIENT_MESSAGE = 4096


async def push_only(
    request: web.Request,
    pump: Callable[[web.WebSocketResponse], Coroutine[Any, Any, None]],
    *,
    on_end: Callable[[], None],
) -> web.WebSocketResponse:
    """Open the socket, run `pump(ws)` until it returns or the client goes, then `on_end()`."""
    ws = web.WebSocketResponse(heartbeat=HEARTBEAT_SECONDS, max_msg_size=MAX_CLIENT_MESSAGE)
    await ws.prepare(request)
    pumping = asyncio.create_task(pump(ws))
    try:
        async for message in ws:
            if message.type is WSMsgType.ERROR:
                break
    finally:
        on_end()
        pumping.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await pumping
        await ws.close()
    return ws
