"""One caller's channel while our app holds it in Stasis: play, collect digits, record, hand off.

Every wait is bounded and every wait ends at once when the caller hangs up (`CallerGone`), so a
call flow can be written as straight-line code without ever leaving a caller in silence.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import structlog

from ccc_telephony.asterisk.ari.client import AriClient, AriError, AriNotFound, AriUnavailable

log = structlog.get_logger(__name__)

MAX_BUFFERED_DIGITS = 64
LINK_WAIT_SECONDS = 30.0  # how long a call waits for an unreachable Asterisk before failing
RETRY_PAUSE_SECONDS = 0.25
_playback_ids = itertools.count(1)
_GONE_EVENTS = frozenset({"StasisEnd", "ChannelHangupRequest", "ChannelDestroyed"})
# Every event type feed() reads: the app's event filter lets only these (and StasisStart)
# through, so an event added to feed() must be added here too.
EVENT_TYPES = _GONE_EVENTS | {
    "ChannelDtmfReceived",
    "PlaybackFinished",
    "PlaybackFailed",
    "RecordingFinished",
    "RecordingFailed",
}


_PHONE_CHANNEL = re.compile(r"^PJSIP/([0-9]{3,15})-[0-9a-f]{8}$")


def phone_extension(channel_name: str) -> str | None:
    """The extension of the phone a channel belongs to (`PJSIP/3101-0000002a` -> 3101), or
    None for any other channel (a trunk, a Local channel, an admin's phone)."""
    match = _PHONE_CHANNEL.match(channel_name)
    return match.group(1) if match else None


class CallerGone(Exception):
    """The caller hung up (or the channel left our app): stop the flow."""


@dataclass(frozen=True, slots=True)
class Recording:
    name: str
    duration: float
    finished: bool


class StasisChannel:
    def __init__(self, ari: AriClient, channel: dict[str, Any], args: list[str]) -> None:
        self.ari = ari
        self.id: str = channel["id"]
        caller = channel.get("caller") or {}
        self.caller_number: str = str(caller.get("number", ""))
        self.caller_name: str = str(caller.get("name", ""))
        # Where the channel was in the dialplan when it entered Stasis (who may use a feature).
        self.context: str = str((channel.get("dialplan") or {}).get("context", ""))
        self.name: str = str(channel.get("name", ""))  # e.g. PJSIP/admin-0000002a
        self.args = args
        self._digits: list[str] = []
        self._digit_arrived = asyncio.Event()
        self._gone = asyncio.get_running_loop().create_future()
        self._playbacks: dict[str, asyncio.Future[None]] = {}
        self._started: set[str] = set()  # playbacks Asterisk accepted (not merely requested)
        self._recordings: dict[str, asyncio.Future[Recording]] = {}
        self.handed_off = False

    # --- events from the dispatcher ---------------------------------------------------------
    def feed(self, event: dict[str, Any]) -> None:
        kind = event["type"]
        if kind == "ChannelDtmfReceived":
            if len(self._digits) < MAX_BUFFERED_DIGITS:
                self._digits.append(str(event.get("digit", ""))[:1])
            self._digit_arrived.set()
        elif kind in ("PlaybackFinished", "PlaybackFailed"):
            self._resolve(self._playbacks.pop(event["playback"]["id"], None), None)
        elif kind in ("RecordingFinished", "RecordingFailed"):
            recording = event["recording"]
            result = Recording(
                name=recording["name"],
                duration=float(recording.get("duration") or 0),
                finished=kind == "RecordingFinished",
            )
            self._resolve(self._recordings.pop(recording["name"], None), result)
        elif kind in _GONE_EVENTS:
            self.mark_gone()

    def mark_gone(self) -> None:
        if not self._gone.done():
            self._gone.set_result(None)

    async def resync(self) -> None:
        """After the events link came back, ask Asterisk what we may have missed: a playback
        or a recording it no longer lists has finished (a recording's file is on disk); one
        still going reports its end by event as usual."""
        for playback_id, future in list(self._playbacks.items()):
            if playback_id not in self._started:
                continue  # its request failed with the link and is being retried
            try:
                await self.ari.playback(playback_id)
            except AriError:
                self._playbacks.pop(playback_id, None)
                self._resolve(future, None)
        for name, pending in list(self._recordings.items()):
            try:
                await self.ari.live_recording(name)
            except AriNotFound:
                self._recordings.pop(name, None)
                self._resolve(pending, Recording(name=name, duration=0, finished=True))
            except AriError:
                continue

    @property
    def gone(self) -> bool:
        return self._gone.done()

    async def until_gone(self) -> None:
        """Returns when the channel hangs up or leaves our app."""
        await asyncio.shield(self._gone)

    @staticmethod
    def _resolve(future: asyncio.Future[Any] | None, value: Any) -> None:
        if future is not None and not future.done():
            future.set_result(value)

    # --- primitives -------------------------------------------------------------------------
    async def answer(self) -> None:
        await self._call(lambda: self.ari.answer(self.id))

    async def play(
        self, media: list[str], *, interruptible: bool = True, timeout: float = 120
    ) -> None:
        """Play prompts in order; a key press (if interruptible) stops them and stays buffered."""
        if not media:
            return
        if interruptible and self._digits:
            return
        playback_id = f"{self.id}-pb{next(_playback_ids)}"
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._playbacks[playback_id] = done
        if interruptible:
            self._digit_arrived.clear()
        digit_task = None
        try:
            # Inside the try: a flow cancelled while the request is on its way (the service
            # stopping) still stops the prompt, which would otherwise hold the caller's hand-off
            # to the dialplan until it had played to its end.
            await self._call(lambda: self.ari.play(self.id, media, playback_id=playback_id))
            self._started.add(playback_id)
            waits: list[asyncio.Future[Any]] = [done]
            if interruptible:
                if self._digits:  # keyed while the request was on its way (or being retried)
                    self._digit_arrived.set()
                digit_task = asyncio.ensure_future(self._digit_arrived.wait())
                waits.append(digit_task)
            with contextlib.suppress(TimeoutError):
                await self._race(waits, timeout)
        finally:
            self._started.discard(playback_id)
            if digit_task is not None:
                digit_task.cancel()
            if not done.done():
                self._playbacks.pop(playback_id, None)
                # Gone already (404), or finishing as we asked: Asterisk 22 then answers 500
                # "Could not stop playback" (seen when a key ended a greeting at its last
                # moment). Either way it is over; the key still counts.
                with contextlib.suppress(AriError):
                    await self.ari.stop_playback(playback_id)

    async def ask_one_digit(self, prompt: list[str], *, timeout: float) -> str:
        """Play a question and return one key, or '' if none came in `timeout` seconds after
        it. A key pressed during (or before) the question answers it at once."""
        await self.play(prompt)
        digits, _ = await self.read_digits(
            max_digits=1, first_timeout=timeout, inter_timeout=1, terminator=""
        )
        return digits

    def flush_digits(self) -> None:
        self._digits.clear()

    async def read_digits(
        self, *, max_digits: int, first_timeout: float, inter_timeout: float, terminator: str = "#"
    ) -> tuple[str, bool]:
        """Digits keyed (without the terminator) and whether the entry was ended properly
        (terminator pressed or max_digits reached) rather than by a timeout."""
        keyed = ""
        timeout = first_timeout
        while True:
            while self._digits:
                digit = self._digits.pop(0)
                if digit == terminator and terminator:
                    return keyed, True
                keyed += digit
                if len(keyed) >= max_digits:
                    return keyed, True
                timeout = inter_timeout
            self._digit_arrived.clear()
            waiter = asyncio.ensure_future(self._digit_arrived.wait())
            try:
                await self._race([waiter], timeout)
            except TimeoutError:
                return keyed, False
            finally:
                waiter.cancel()

    async def record(
        self, name: str, *, max_seconds: int, max_silence_seconds: int, beep: bool = True
    ) -> Recording:
        """Record until #, silence, the time limit or hang-up (a hang-up keeps the message)."""
        done: asyncio.Future[Recording] = asyncio.get_running_loop().create_future()
        self._recordings[name] = done
        await self._call(
            lambda: self.ari.record(
                self.id,
                name=name,
                max_seconds=max_seconds,
                max_silence_seconds=max_silence_seconds,
                beep=beep,
            )
        )
        async with asyncio.timeout(max_seconds + 10):
            return await done

    async def variable(self, name: str) -> str:
        """A variable the dialplan set on this channel before Stasis."""
        found: list[str] = []

        async def get() -> None:
            found.append(await self.ari.variable(self.id, name))

        await self._call(get)
        return found[-1]

    async def set_variables(self, values: dict[str, str]) -> None:
        for name, value in values.items():
            await self._call(partial(self.ari.set_variable, self.id, name, value))

    async def continue_to(self, context: str, extension: str) -> None:
        """Leave Stasis for the dialplan (queue entry); events keep coming if subscribed."""
        self.handed_off = True
        try:
            await self._call(
                lambda: self.ari.continue_in_dialplan(self.id, context=context, extension=extension)
            )
        except AriError as exc:
            # 409 after a timed-out attempt: that attempt went through and the caller has left
            # Stasis already. Anything else is a real failure.
            if exc.status != 409 or await self._still_in_stasis():
                raise

    async def _still_in_stasis(self) -> bool:
        try:
            channel = await self.ari.channel(self.id)
        except AriError:
            return False
        return (channel.get("dialplan") or {}).get("app_name") == "Stasis"

    async def hangup(self) -> None:
        with contextlib.suppress(AriNotFound):
            await self.ari.hangup(self.id)

    # --- plumbing ---------------------------------------------------------------------------
    async def _call(self, request: Callable[[], Awaitable[Any]]) -> None:
        """Send one request for this call. A missing channel means the caller is gone. If
        Asterisk is unreachable, wait (bounded) for the events link to come back and try
        again: the reconnect's reconciliation says meanwhile whether the caller is still here."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + LINK_WAIT_SECONDS
        while True:
            if self.gone:
                raise CallerGone
            try:
                await request()
                return
            except AriNotFound:
                self.mark_gone()
                raise CallerGone from None
            except AriUnavailable:
                if loop.time() >= deadline:
                    raise
                log.warning("asterisk unreachable; call waits for the link", call_id=self.id)
                await self._link_back(deadline - loop.time())
            except AriError as exc:
                # 409 "not in Stasis" for a channel no longer ours: the caller hung up as the
                # request went (it leaves the app before it is destroyed), or it has moved on.
                if exc.status != 409 or self.handed_off or await self._still_in_stasis():
                    raise
                self.mark_gone()
                raise CallerGone from None

    async def _link_back(self, timeout: float) -> None:
        """Until the events link is up again (after a pause: the failed request is often seen
        before the websocket notices the same outage), the caller hangs up, or `timeout`."""
        pause = asyncio.ensure_future(asyncio.sleep(RETRY_PAUSE_SECONDS))
        link = asyncio.ensure_future(self.ari.events_connected.wait())
        try:
            with contextlib.suppress(TimeoutError):
                await self._race([pause], timeout)
                await self._race([link], max(timeout - RETRY_PAUSE_SECONDS, 0.01))
        finally:
            pause.cancel()
            link.cancel()

    async def _race(self, waits: list[asyncio.Future[Any]], timeout: float) -> None:
        gone = asyncio.shield(self._gone)
        finished, _ = await asyncio.wait(
            [*waits, gone], timeout=timeout, return_when="FIRST_COMPLETED"
        )
        if self._gone.done():
            raise CallerGone
        if not finished:
            raise TimeoutError
