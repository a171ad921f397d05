"""ARI REST calls the service uses, each a thin typed wrapper over one endpoint.

Credentials go in an Authorization header, never in a URL (URLs end up in logs). A channel that
hung up between an event and our request answers 404: that is `AriNotFound`, which call flows
treat as "the caller is gone", not as a failure.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Iterable, Mapping
from typing import Any

import aiohttp

Json = dict[str, Any]


class AriError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"ARI {status}: {message}")
        self.status = status


class AriNotFound(AriError):
    """The channel, playback or recording no longer exists."""


class AriUnavailable(AriError):
    """Asterisk did not answer (connection refused or dropped, or a time-out)."""


class AriClient:
    def __init__(
        self,
        *,
        base_url: str,
        user: str,
        password: str,
        app: str,
        timeout: float = 10.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.app = app
        token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        self._headers = {"Authorization": f"Basic {token}"}
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None
        # Set while the events websocket is up (AriEventStream keeps it): a call that finds
        # Asterisk unreachable waits on it instead of failing the caller at once.
        self.events_connected = asyncio.Event()

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=64, keepalive_timeout=30)
            self._session = aiohttp.ClientSession(
                headers=self._headers, timeout=self._timeout, connector=connector
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    @property
    def events_url(self) -> str:
        ws_base = "ws" + self.base_url.removeprefix("http")
        return f"{ws_base}/ari/events"

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        body: Json | None = None,
    ) -> Any:
        url = f"{self.base_url}/ari{path}"
        try:
            async with self.session.request(method, url, params=params, json=body) as reply:
                text = await reply.text()
                status = reply.status
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise AriUnavailable(0, str(exc) or type(exc).__name__) from None
        if status >= 400:
            error = AriNotFound if status == 404 else AriError
            raise error(status, _message(text))
        return json.loads(text) if text else None

    # --- Asterisk and applications ---------------------------------------------------------
    async def asterisk_info(self) -> Json:
        result: Json = await self.request("GET", "/asterisk/info")
        return result

    async def application(self) -> Json:
        result: Json = await self.request("GET", f"/applications/{self.app}")
        return result

    async def subscribe(self, event_source: str) -> None:
        await self.request(
            "POST", f"/applications/{self.app}/subscription", params={"eventSource": event_source}
        )

    async def set_event_filter(self, allowed: Iterable[str]) -> None:
        """Only these event types reach our app: Asterisk drops the rest before sending them
        (a call in Stasis raises dozens we never read, such as ChannelVarset)."""
        body: Json = {"allowed": [{"type": kind} for kind in sorted(allowed)]}
        await self.request("PUT", f"/applications/{self.app}/eventFilter", body=body)

    # --- channels ---------------------------------------------------------------------------
    async def channel(self, channel_id: str) -> Json:
        result: Json = await self.request("GET", f"/channels/{channel_id}")
        return result

    async def channels(self) -> list[Json]:
        result: list[Json] = await self.request("GET", "/channels")
        return result

    async def answer(self, channel_id: str) -> None:
        await self.request("POST", f"/channels/{channel_id}/answer")

    async def hangup(self, channel_id: str, reason: str = "normal") -> None:
        await self.request("DELETE", f"/channels/{channel_id}", params={"reason": reason})

    async def variable(self, channel_id: str, name: str) -> str:
        """A channel variable's value. 404 (AriNotFound) for a channel that is gone, and for
        a variable never set: ask only for variables the dialplan always sets."""
        found: Json = await self.request(
            "GET", f"/channels/{channel_id}/variable", params={"variable": name}
        )
        return str(found.get("value") or "")

    async def ring(self, channel_id: str) -> None:
        """Ringing to the channel's party (in-band once their call is up): someone is being
        called for them."""
        await self.request("POST", f"/channels/{channel_id}/ring")

    async def ring_stop(self, channel_id: str) -> None:
        await self.request("DELETE", f"/channels/{channel_id}/ring")

    async def set_variable(self, channel_id: str, name: str, value: str) -> None:
        await self.request(
            "POST", f"/channels/{channel_id}/variable", params={"variable": name, "value": value}
        )

    async def continue_in_dialplan(
        self, channel_id: str, *, context: str, extension: str, priority: int = 1
    ) -> None:
        params: dict[str, str | int] = {
            "context": context,
            "extension": extension,
            "priority": priority,
        }
        await self.request("POST", f"/channels/{channel_id}/continue", params=params)

    async def play(self, channel_id: str, media: list[str], *, playback_id: str) -> None:
        await self.request(
            "POST",
            f"/channels/{channel_id}/play/{playback_id}",
            params={"media": ",".join(media)},
        )

    async def playback(self, playback_id: str) -> Json:
        result: Json = await self.request("GET", f"/playbacks/{playback_id}")
        return result

    async def stop_playback(self, playback_id: str) -> None:
        await self.request("DELETE", f"/playbacks/{playback_id}")

    async def record(
        self,
        channel_id: str,
        *,
        name: str,
        max_seconds: int,
        max_silence_seconds: int,
        beep: bool = True,
        terminate_on: str = "#",
    ) -> None:
        params: dict[str, str | int] = {
            "name": name,
            "format": "wav",
            "maxDurationSeconds": max_seconds,
            "maxSilenceSeconds": max_silence_seconds,
            "beep": "true" if beep else "false",
            "terminateOn": terminate_on,
            "ifExists": "overwrite",
        }
        await self.request("POST", f"/channels/{channel_id}/record", params=params)

    async def stop_recording(self, name: str) -> None:
        """End a live recording; Asterisk closes its file (RecordingFinished follows)."""
        await self.request("POST", f"/recordings/live/{name}/stop")

    async def live_recording(self, name: str) -> Json:
        result: Json = await self.request("GET", f"/recordings/live/{name}")
        return result

    async def delete_stored_recording(self, name: str) -> None:
        await self.request("DELETE", f"/recordings/stored/{name}")

    async def send_dtmf(
        self, channel_id: str, dtmf: str, *, between_ms: int = 100, duration_ms: int = 120
    ) -> None:
        params: dict[str, str | int] = {
            "dtmf": dtmf,
            "between": between_ms,
            "duration": duration_ms,
        }
        await self.request("POST", f"/channels/{channel_id}/dtmf", params=params)

    async def whisper(self, channel_id: str, *, app_args: str, both: bool = False) -> Json:
        """A snoop channel that speaks to `channel_id`'s party (whisper out, no spying), in
        our app with `app_args`: what it plays, that party hears over whatever they hear (a
        held caller: over the music). With `both`, also into what the party sends, so whoever
        is bridged with them hears it too. Works on a channel outside Stasis."""
        whisper = "both" if both else "out"
        return await self.snoop(channel_id, app_args=app_args, spy="none", whisper=whisper)

    async def snoop(
        self,
        channel_id: str,
        *,
        app_args: str,
        spy: str,
        whisper: str,
        snoop_id: str | None = None,
    ) -> Json:
        """A snoop channel on `channel_id` (in Stasis or not) entering our app with `app_args`:
        it hears the `spy` direction(s) of that channel, and what is written to it goes into
        the `whisper` direction(s) (in, out, both or none)."""
        params = {"app": self.app, "appArgs": app_args, "spy": spy, "whisper": whisper}
        if snoop_id is not None:
            params["snoopId"] = snoop_id
        result: Json = await self.request("POST", f"/channels/{channel_id}/snoop", params=params)
        return result

    async def originate(
        self, params: Mapping[str, str | int], *, variables: Mapping[str, str] | None = None
    ) -> Json:
        body: Json | None = {"variables": dict(variables)} if variables else None
        result: Json = await self.request("POST", "/channels", params=params, body=body)
        return result

    # --- bridges ----------------------------------------------------------------------------
    async def create_bridge(self, bridge_id: str, *, kind: str = "mixing") -> None:
        await self.request("POST", f"/bridges/{bridge_id}", params={"type": kind})

    async def add_to_bridge(self, bridge_id: str, channel_id: str) -> None:
        await self.request(
            "POST", f"/bridges/{bridge_id}/addChannel", params={"channel": channel_id}
        )

    async def bridge(self, bridge_id: str) -> Json:
        result: Json = await self.request("GET", f"/bridges/{bridge_id}")
        return result

    async def destroy_bridge(self, bridge_id: str) -> None:
        await self.request("DELETE", f"/bridges/{bridge_id}")


def _message(text: str) -> str:
    """ARI's JSON error message, or the first 200 characters of whatever came back."""
    try:
        data = json.loads(text)
    except ValueError:
        return text[:200]
    return str(data.get("message", text[:200])) if isinstance(data, dict) else text[:200]
