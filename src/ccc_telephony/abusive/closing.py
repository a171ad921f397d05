"""Ending an abusive call: the caller hears the policy's closing message (`abusive_closing`, in
their language), then the line drops.

The caller is in app_queue's bridge, not in our app, so the message goes through a snoop
channel on the caller's channel (whisper both: the caller hears it, and so does the agent,
through what the caller's channel sends the bridge). The snoop enters our app; its handler
plays the message, waits for the playback to finish, then hangs the caller's channel up.

The call is marked `ended_by_agent_abusive` at once (its outcome, and a wrap-up that needs an
abusive-call note) and the agent is asked on their live feed to document it. If the message
cannot be played, the caller's line drops all the same: the agent asked for the call to end.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Literal

import structlog

from ccc_telephony.asterisk.ari import AriError, AriNotFound
from ccc_telephony.asterisk.ari.channel import StasisChannel
from ccc_telephony.asterisk.ari.dispatcher import CallHandler
from ccc_telephony.config.agents import RosterAgent
from ccc_telephony.live.feed import Audience

log = structlog.get_logger(__name__)

HANDLER = "abusive-end"
PROMPT = "abusive_closing"
# Longest a closing message may play before the line drops anyway.
CLOSING_MAX_SECONDS = 60.0
Source = Literal["code", "api"]
EmitCall = Callable[[str, str, Mapping[str, Any]], None]
Publish = Callable[[str, Mapping[str, Any], Audience], object]
Media = Callable[[str, str], str | None]  # (prompt, language) -> media URI
Whisper = Callable[[str, str], Awaitable[Any]]  # (caller channel, Stasis arguments)
HangUp = Callable[[str], Awaitable[None]]
Language = Callable[[str], Awaitable[str | None]]


class AbusiveCalls:
    def __init__(
        self,
        *,
        first_language: str,
        media: Media,
        emit: EmitCall,
        publish: Publish,
        whisper: Whisper,
        hang_up: HangUp,
        language_of: Language,
    ) -> None:
        """`language_of(call_id)` is the language the caller chose, if known."""
        self._first = first_language
        self._media = media
        self._emit = emit
        self._publish = publish
        self._whisper = whisper
        self._hang_up = hang_up
        self._language_of = language_of
        self._ending: dict[str, asyncio.TimerHandle] = {}  # closing under way, its deadline
        self._drops: set[asyncio.Task[None]] = set()

    def handlers(self) -> dict[str, CallHandler]:
        return {HANDLER: self.close}

    async def end(self, agent: RosterAgent, call_id: str, *, by: str, source: Source) -> None:
        """End the agent's call with `call_id` (the caller's channel) as abusive; asked again
        while the message plays (the code keyed twice), nothing more happens."""
        if call_id in self._ending:
            return
        # The line drops by this deadline even if the message's snoop never starts.
        self._ending[call_id] = asyncio.get_running_loop().call_later(
            CLOSING_MAX_SECONDS + 5, self._overdue, call_id
        )
        log.warning("abusive call ended by the agent", call_id=call_id, agent=agent.id)
        self._emit(
            call_id, "ended_by_agent_abusive", {"agent": agent.id, "by": by, "source": source}
        )
        self._publish(
            "wrapup_requested",
            {"call_id": call_id, "agent": agent.id, "abusive_note_required": True},
            Audience.people(agent.id),
        )
        try:
            language = await self._language_of(call_id) or self._first
        except Exception as exc:  # the database cannot say: the first language, not silence
            log.warning("caller's language unknown", call_id=call_id, error=type(exc).__name__)
            language = self._first
        try:
            await self._whisper(call_id, f"{HANDLER},{call_id},{language}")
        except AriError as exc:
            log.warning("closing message not played", call_id=call_id, error=str(exc))
            await self._drop(call_id)

    async def close(self, snoop: StasisChannel) -> None:
        """The snoop's handler: the message to the caller, then the caller's line drops."""
        _, call_id, language, *_ = [*snoop.args, "", "", ""]
        if not snoop.name.startswith("Snoop/"):  # only our own snoop may drop a caller
            log.warning("abusive-end handler reached by a channel not a snoop")
            await snoop.hangup()
            return
        media = self._media(PROMPT, language) or self._media(PROMPT, self._first)
        try:
            if media is not None and call_id:
                await snoop.play([media], interruptible=False, timeout=CLOSING_MAX_SECONDS)
        finally:
            if call_id:
                await self._drop(call_id)
            await snoop.hangup()

    def _overdue(self, call_id: str) -> None:
        log.warning("closing message never ended; the line drops now", call_id=call_id)
        task = asyncio.get_running_loop().create_task(self._drop(call_id))
        self._drops.add(task)
        task.add_done_callback(self._drops.discard)

    async def _drop(self, call_id: str) -> None:
        deadline = self._ending.pop(call_id, None)
        if deadline is not None:
            deadline.cancel()
        with contextlib.suppress(AriNotFound):  # the caller hung up first
            await self._hang_up(call_id)
        log.info("abusive caller's line dropped", call_id=call_id)
