"""Routes ARI events to the calls our app holds, one isolated task per call.

Features register a handler per Stasis argument (`Stasis(ccc-ivr,main)` runs the "main"
handler). A handler's exception is logged with the call id and the caller is handed to the
dialplan fallback (the operator queue while open), so one broken call never affects another
and never leaves a caller in silence. Channels that are not callers (a staff phone's own call,
a snoop, a line the service rings) are hung up instead, on failure as on shutdown: the
callers' fallback would put them in the operator queue.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

import structlog

from ccc_telephony.asterisk.ari.channel import EVENT_TYPES, CallerGone, StasisChannel
from ccc_telephony.asterisk.ari.client import AriClient, AriError

log = structlog.get_logger(__name__)

CallHandler = Callable[[StasisChannel], Awaitable[None]]
Watcher = Callable[[dict[str, Any]], None]
FALLBACK = ("ccc-fallback", "s")
# ARI's answer to a subscription for a channel that no longer exists.
NO_SUCH_EVENT_SOURCE = 422


class StasisDispatcher:
    def __init__(
        self, ari: AriClient, *, handlers: dict[str, CallHandler], adopt: dict[str, str]
    ) -> None:
        """`adopt` maps a Stasis argument to the handler that takes over a channel found in
        our app that we know nothing of (the service restarted while it was there), e.g.
        "main" -> "adopted"; a feature not listed starts its own handler afresh."""
        self._ari = ari
        self._handlers = handlers
        self._not_callers: set[str] = set()
        self._adopt = adopt
        self.calls: dict[str, StasisChannel] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._watchers: dict[str, Watcher] = {}
        self.accepting = True
        self._handoffs: set[asyncio.Task[None]] = set()
        self.idle = asyncio.Event()
        self.idle.set()

    def add_handlers(self, handlers: dict[str, CallHandler], *, callers: bool = True) -> None:
        """`callers=False`: these handlers' channels are not callers (see the module's doc)."""
        self._handlers.update(handlers)
        if not callers:
            self._not_callers.update(handlers)

    # --- events -----------------------------------------------------------------------------
    def on_event(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "StasisStart":
            self._on_stasis_start(event)
            return
        channel_id = _channel_id(event)
        if channel_id is None:
            return
        call = self.calls.get(channel_id)
        if call is not None:
            call.feed(event)
        if kind == "ChannelDestroyed":
            watcher = self._watchers.pop(channel_id, None)
            if watcher is not None:
                watcher(event)

    def _on_stasis_start(self, event: dict[str, Any]) -> None:
        channel = event["channel"]
        if channel["id"] in self.calls:
            return
        args = [str(arg) for arg in event.get("args", [])]
        handler_name = args[0] if args else ""
        if not self.accepting:
            task = asyncio.create_task(self._leave(channel["id"], handler_name))
            self._handoffs.add(task)
            task.add_done_callback(self._handoffs.discard)
            return
        self._start(StasisChannel(self._ari, channel, args), handler_name)

    def _start(self, call: StasisChannel, handler_name: str) -> None:
        handler = self._handlers.get(handler_name)
        self.calls[call.id] = call
        self.idle.clear()
        self._tasks[call.id] = asyncio.create_task(
            self._run(call, handler, handler_name), name=f"call-{call.id}"
        )

    async def _run(self, call: StasisChannel, handler: CallHandler | None, name: str) -> None:
        bound = log.bind(call_id=call.id)
        try:
            if handler is None:
                bound.error("no handler for stasis argument", handler=name[:32])
                raise LookupError(name)
            await handler(call)
        except CallerGone:
            pass
        except Exception:
            bound.exception("call flow failed; handing the channel on", handler=name[:32])
            if not call.gone and not call.handed_off:
                await self._leave(call.id, name)
        finally:
            self.calls.pop(call.id, None)
            self._tasks.pop(call.id, None)
            if not self._tasks:
                self.idle.set()

    async def _leave(self, channel_id: str, handler_name: str) -> None:
        """A channel we can no longer run: a caller goes to the fallback, anything else ends."""
        if handler_name not in self._not_callers:
            await self._to_fallback(channel_id)
            return
        with contextlib.suppress(AriError):
            await self._ari.hangup(channel_id)

    async def _to_fallback(self, channel_id: str) -> None:
        try:
            await self._ari.continue_in_dialplan(
                channel_id, context=FALLBACK[0], extension=FALLBACK[1]
            )
        except AriError as exc:
            if exc.status == 409:  # no longer in Stasis: the caller is already elsewhere
                return
            with contextlib.suppress(AriError):  # never leave a caller in silence
                await self._ari.hangup(channel_id)

    # --- after the call leaves Stasis -------------------------------------------------------
    async def watch(self, channel_id: str, watcher: Watcher) -> None:
        """Call `watcher` with ChannelDestroyed even after the channel left our app."""
        self._watchers[channel_id] = watcher
        try:
            await self._ari.subscribe(f"channel:{channel_id}")
        except AriError as exc:
            if exc.status != NO_SUCH_EVENT_SOURCE:
                raise
            # Already gone (a busy line hangs up before we can subscribe): told now, as its
            # ChannelDestroyed will never come.
            self._gone(channel_id, "gone before it was watched")

    def watching(self) -> set[str]:
        return set(self._watchers)

    # --- reconnect and shutdown -------------------------------------------------------------
    async def reconcile(self) -> None:
        """Compare our calls with the channels Asterisk says our app holds right now."""
        try:
            await self._ari.set_event_filter(EVENT_TYPES | {"StasisStart"})
        except AriError as exc:  # events we do not read cost time, but do no harm
            log.warning("cannot filter ari events", status=exc.status)
        app = await self._ari.application()
        held = set(app.get("channel_ids", []))
        for channel_id, call in list(self.calls.items()):
            if channel_id in held:
                await call.resync()
            elif not call.handed_off:
                call.mark_gone()
        for channel_id in held - self.calls.keys():
            await self._adopt_channel(channel_id)
        for channel_id in list(self._watchers):
            await self._rewatch(channel_id)

    async def _adopt_channel(self, channel_id: str) -> None:
        """Take over a channel waiting in our app. The app also lists channels it is merely
        subscribed to (callers we queued and watch): those are left where they are."""
        try:
            channel = await self._ari.channel(channel_id)
        except AriError:
            return
        args = _stasis_args(channel, self._ari.app)
        if args is None:
            return
        log.info("adopting call found in the app", call_id=channel_id)
        if not self.accepting:
            await self._to_fallback(channel_id)
            return
        first = args[0] if args else ""
        self._start(StasisChannel(self._ari, channel, args), self._adopt.get(first, first))

    async def _rewatch(self, channel_id: str) -> None:
        try:
            await self._ari.subscribe(f"channel:{channel_id}")
        except AriError:
            self._gone(channel_id, "gone while events were down")

    def _gone(self, channel_id: str, why: str) -> None:
        """A watched channel's end that Asterisk can no longer report, told to its watcher."""
        watcher = self._watchers.pop(channel_id, None)
        if watcher is not None:
            watcher(
                {
                    "type": "ChannelDestroyed",
                    "channel": {"id": channel_id},
                    "cause": 0,
                    "cause_txt": why,
                }
            )

    async def drain(self, grace: float) -> None:
        """Stop taking calls; give calls in progress `grace` seconds, then hand them over."""
        self.accepting = False
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(grace):
                await self.idle.wait()
        # Every flow is stopped (its prompt with it) before its caller is handed over: Asterisk
        # carries out a `continue` only once the channel's current prompt has ended.
        pending = [(task, self.calls.get(channel_id)) for channel_id, task in self._tasks.items()]
        for task, _ in pending:
            task.cancel()
        await asyncio.gather(*(task for task, _ in pending), return_exceptions=True)
        for _, call in pending:
            if call is not None and not call.gone and not call.handed_off:
                await self._leave(call.id, call.args[0] if call.args else "")

    @property
    def in_progress(self) -> int:
        return len(self._tasks)


def _channel_id(event: dict[str, Any]) -> str | None:
    channel = event.get("channel")
    if isinstance(channel, dict):
        return str(channel.get("id"))
    for key in ("playback", "recording"):
        target = (event.get(key) or {}).get("target_uri", "")
        if target.startswith("channel:"):
            return str(target[len("channel:") :])
    return None


def _stasis_args(channel: dict[str, Any], app: str) -> list[str] | None:
    """The Stasis arguments of a channel running Stasis(app,...), None if it is not."""
    dialplan = channel.get("dialplan") or {}
    if dialplan.get("app_name") != "Stasis":
        return None
    name, *args = str(dialplan.get("app_data", "")).split(",")
    return args if name == app else None
