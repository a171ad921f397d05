"""The ARI events websocket: heartbeat, reconnect with backoff, reconciliation on each connect.

Asterisk does not replay events that happened while the websocket was down, and channels stay
in Stasis when it closes. So every (re)connect calls `on_connect` *after* the socket is open and
before any event is dispatched, letting the owner compare what it believes with
`GET /applications/{app}` and pick up or end calls that changed while we were away.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import structlog

from ccc_telephony.asterisk.ari.client import AriClient, AriError

log = structlog.get_logger(__name__)

EventHandler = Callable[[dict[str, Any]], None]
ConnectHandler = Callable[[], Awaitable[None]]


class AriEventStream:
    def __init__(
        self,
        client: AriClient,
        *,
        on_event: EventHandler,
        on_connect: ConnectHandler,
        heartbeat: float = 5.0,
        min_backoff: float = 0.2,
        max_backoff: float = 5.0,
    ) -> None:
        self._client = client
        self._on_event = on_event
        self._on_connect = on_connect
        self._heartbeat = heartbeat
        self._min_backoff = min_backoff
        self._max_backoff = max_backoff
        self.connected = client.events_connected
        self.disconnected = asyncio.Event()  # set from a session's end until the next connect
        self.reconnects = 0
        self._ws: aiohttp.ClientWebSocketResponse | None = None

    async def run(self) -> None:
        """Keep the websocket up until cancelled."""
        backoff = self._min_backoff
        first = True
        while True:
            try:
                await self._session_once(first)
                backoff = self._min_backoff
            except (aiohttp.ClientError, OSError, TimeoutError, AriError) as exc:
                log.warning("ari events unavailable", error=str(exc) or type(exc).__name__)
            except Exception:  # a bug in reconciliation must not end event delivery for good
                log.exception("ari events session failed")
            finally:
                self.connected.clear()
                self.disconnected.set()
                self._ws = None
            first = False
            self.reconnects += 1
            await asyncio.sleep(backoff * (0.75 + random.random() / 2))  # noqa: S311 (jitter)
            backoff = min(backoff * 2, self._max_backoff)

    async def _session_once(self, first: bool) -> None:
        params = {"app": self._client.app, "subscribeAll": "false"}
        async with self._client.session.ws_connect(
            self._client.events_url,
            params=params,
            heartbeat=self._heartbeat,
            autoping=True,
            max_msg_size=4 * 1024 * 1024,
        ) as ws:
            self._ws = ws
            await self._wait_registered()
            log.info("ari events connected", app=self._client.app, reconnect=not first)
            await self._on_connect()
            self.disconnected.clear()
            self.connected.set()
            async for message in ws:
                if message.type is aiohttp.WSMsgType.TEXT:
                    self._dispatch(message.data)
                elif message.type in (aiohttp.WSMsgType.ERROR, aiohttp.WSMsgType.CLOSED):
                    break
            log.warning("ari events closed", code=ws.close_code)

    async def _wait_registered(self) -> None:
        """An app is usable only once Asterisk lists it, a few ms after the socket opens."""
        async with asyncio.timeout(5):
            while True:
                apps = await self._client.request("GET", "/applications")
                if any(app.get("name") == self._client.app for app in apps):
                    return
                await asyncio.sleep(0.02)

    def _dispatch(self, data: str) -> None:
        try:
            event = json.loads(data)
        except ValueError:
            log.error("ari event is not JSON", size=len(data))
            return
        try:
            self._on_event(event)
        except Exception:
            log.exception("ari event handler failed", event_type=event.get("type"))

    async def drop(self) -> None:
        """Close the current websocket (tests and shutdown); run() reconnects unless cancelled."""
        if self._ws is not None:
            await self._ws.close()
