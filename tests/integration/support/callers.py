"""Callers simulated inside the real Asterisk: ARI Local channels that dial the main number
through the dialplan and press keys (ARI DTMF), seen from a test app of their own."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from dataclasses import dataclass
from typing import Any

from ccc_telephony.asterisk.ari import AriClient, AriError, AriEventStream, AriNotFound

TEST_APP = "ccc-test-callers"


@dataclass(frozen=True)
class PlacedCall:
    line_id: str  # our half (;1)
    ivr_id: str  # the half that runs the dialplan and the IVR (;2): the call id


class CallerLine:
    def __init__(self, *, ari_url: str, user: str, password: str) -> None:
        self.ari = AriClient(base_url=ari_url, user=user, password=password, app=TEST_APP)
        self._stream = AriEventStream(self.ari, on_event=self._on_event, on_connect=_nothing)
        self._task: asyncio.Task[None] | None = None
        self._events: list[dict[str, Any]] = []
        self._changed = asyncio.Event()

    def _on_event(self, event: dict[str, Any]) -> None:
        self._events.append(event)
        self._changed.set()

    async def wait_event(
        self, kind: str, key: str, value: str, timeout: float = 15
    ) -> dict[str, Any]:
        """The first event of `kind` whose `key` object has id `value` (e.g. a playback)."""
        async with asyncio.timeout(timeout):
            while True:
                for event in self._events:
                    if event.get("type") == kind and (event.get(key) or {}).get("id") == value:
                        return event
                self._changed.clear()
                await self._changed.wait()

    async def listen(self, call: PlacedCall) -> None:
        """From now on, hear what is played to the caller (`played_to`)."""
        await self.ari.subscribe(f"channel:{call.ivr_id}")

    def played_to(self, call: PlacedCall) -> list[str]:
        """Every sound Asterisk started playing to the caller since `listen`, in order."""
        target = f"channel:{call.ivr_id}"
        return [
            str(event["playback"].get("media_uri", ""))
            for event in self._events
            if event.get("type") == "PlaybackStarted"  # one per sound, lists included
            and (event.get("playback") or {}).get("target_uri") == target
        ]

    async def wait_played(self, call: PlacedCall, sound: str, timeout: float = 20) -> list[str]:
        """Until a sound whose name ends with `sound` was played to the caller; all so far."""
        async with asyncio.timeout(timeout):
            while not any(uri.endswith(sound) for uri in self.played_to(call)):
                self._changed.clear()
                await self._changed.wait()
        return self.played_to(call)

    async def say(self, call: PlacedCall, *sounds: str) -> None:
        """The caller speaks: our half plays sounds (about 3 s by default) the IVR side hears."""
        playback_id = f"{call.line_id}-{uuid.uuid4().hex[:6]}"
        media = [f"sound:{sound}" for sound in sounds or ("hello-world", "hello-world")]
        await self.ari.play(call.line_id, media, playback_id=playback_id)
        await self.wait_event("PlaybackFinished", "playback", playback_id)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._stream.run())
        async with asyncio.timeout(10):
            await self._stream.connected.wait()

    async def wait_connected(self, timeout: float = 30) -> None:
        """Until our test app is registered again (after Asterisk restarted)."""
        async with asyncio.timeout(timeout):
            await self._stream.connected.wait()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self.ari.close()

    async def call(
        self,
        number: str,
        *,
        context: str = "ccc-inbound",
        caller_id: str = '"Test Caller" <6085551234>',
    ) -> PlacedCall:
        await self.wait_connected()  # e.g. after a test restarted Asterisk
        ident = uuid.uuid4().hex[:12]
        placed = PlacedCall(line_id=f"line-{ident}", ivr_id=f"call-{ident}")
        params: dict[str, Any] = {
            "endpoint": f"Local/{number}@{context}",
            "app": TEST_APP,
            "channelId": placed.line_id,
            "otherChannelId": placed.ivr_id,
            "callerId": caller_id,
            "formats": "ulaw",
        }
        await self.ari.originate(params)
        # Our half enters the test app once the IVR answers; only then can it press keys.
        await self.wait_event("StasisStart", "channel", placed.line_id)
        return placed

    async def press(self, call: PlacedCall, digits: str) -> None:
        await self.ari.send_dtmf(call.line_id, digits, between_ms=80, duration_ms=100)

    async def hangup(self, call: PlacedCall) -> None:
        with contextlib.suppress(AriNotFound):
            await self.ari.hangup(call.line_id)

    async def channel(self, channel_id: str) -> dict[str, Any] | None:
        try:
            return await self.ari.channel(channel_id)
        except AriNotFound:
            return None

    async def variable(self, channel_id: str, name: str) -> str | None:
        """A channel variable as Asterisk has it (None if unset)."""
        try:
            reply = await self.ari.request(
                "GET", f"/channels/{channel_id}/variable", params={"variable": name}
            )
        except AriError:
            return None
        value = (reply or {}).get("value")
        return None if value is None else str(value)

    async def wait_in_app(
        self, channel_id: str, app_name: str, timeout: float = 10
    ) -> dict[str, Any]:
        """Poll Asterisk (the real state, not our service's belief) until the channel runs
        the dialplan application `app_name` (e.g. Queue)."""
        async with asyncio.timeout(timeout):
            while True:
                channel = await self.channel(channel_id)
                if channel and channel.get("dialplan", {}).get("app_name") == app_name:
                    return channel
                await asyncio.sleep(0.05)


async def _nothing() -> None:
    return None
