"""Taking a telephonic signature in the middle of a queue call, without moving anyone.

The caller's channel is in app_queue's bridge with the agent, outside our Stasis app, so the
capture works through three ARI snoop channels on the caller's channel (Asterisk 22's
main/audiohook.c hands each frame to spies before whispers are mixed in, and a whisper in
both directions reaches both parties; res/res_stasis_snoop.c):

- `speak` (whisper both, no spying) plays the script: the caller hears it, and so does the
  agent, through the bridge;
- `caller` (spy in) is recorded: the caller's own voice, never the script nor the agent;
- `both` (spy both) is recorded too: both parties, for context (still without the script).

Each snoop enters our app with the Stasis argument `signature-snoop`; nothing is played or
recorded on it before its StasisStart. A capture ends when the agent keys the end code or
asks through the API (recorded), after the policy's maximum (recorded), or when the caller
hangs up or the agent cancels (incomplete: what was recorded is kept). The call goes on
with the agent either way. States, each change logged: starting, playing, listening, ending,
sealed.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

import structlog

from ccc_telephony.agents.calls import CallerFacts
from ccc_telephony.asterisk.ari.channel import CallerGone, StasisChannel
from ccc_telephony.asterisk.ari.client import AriClient, AriError, AriNotFound
from ccc_telephony.asterisk.ari.dispatcher import CallHandler
from ccc_telephony.signatures.service import (
    Begun,
    Caller,
    EndedBy,
    SignatureService,
)
from ccc_telephony.store.signatures import SignatureRow

log = structlog.get_logger(__name__)

SNOOP_HANDLER = "signature-snoop"
SNOOP_START_SECONDS = 5.0
# After a recording is stopped, Asterisk closes its file and no longer lists it as live.
RECORDING_CLOSE_SECONDS = 3.0
POLL_SECONDS = 0.05
Role = Literal["speak", "caller", "both"]
Facts = Callable[[str], Awaitable[CallerFacts]]
# (spy, whisper) per snoop
_SNOOPS: dict[Role, tuple[str, str]] = {
    "speak": ("none", "both"),
    "caller": ("in", "none"),
    "both": ("both", "none"),
}


class CaptureRefused(Exception):
    """No capture can start or end now (the message says why): 409 or the agent is told."""


@dataclass(frozen=True, slots=True)
class Ending:
    complete: bool
    ended_by: EndedBy


class Capture:
    """One capture in progress on one caller's channel."""

    def __init__(
        self,
        begun: Begun,
        *,
        caller_channel: str,
        captures: Captures,
    ) -> None:
        self.row = begun.row
        self.script = begun.script
        self.caller_channel = caller_channel
        self.state = "starting"
        self.sealed: SignatureRow | None = None
        self.done = asyncio.Event()
        self._captures = captures
        self._ending: asyncio.Future[Ending] = asyncio.get_running_loop().create_future()
        self._snoops: dict[Role, StasisChannel] = {}
        self._recordings: list[asyncio.Task[Any]] = []

    def end(self, ending: Ending) -> None:
        """Ask the capture to end (the first ask wins)."""
        if not self._ending.done():
            self._ending.set_result(ending)

    async def run(self) -> None:
        ending = Ending(complete=False, ended_by="error")
        try:
            ending = await self._capture()
        except CallerGone:
            ending = Ending(complete=False, ended_by="caller_hangup")
        except Exception:
            log.exception("signature capture failed", signature_id=str(self.row.id))
        finally:
            # Complete only once the caller heard the whole script: an end asked for while it
            # plays (or a script that failed to play) leaves the signature incomplete.
            heard = self.state == "listening"
            try:
                self._move("ending", ended_by=ending.ended_by)
                await self._wind_down()
                self.sealed = await self._captures.service.finish(
                    self.row, complete=ending.complete and heard, ended_by=ending.ended_by
                )
                self._move("sealed")
            except Exception:  # the database is down: the next start seals it (incomplete)
                log.exception("signature not sealed now", signature_id=str(self.row.id))
            finally:
                self.done.set()

    async def _capture(self) -> Ending:
        snoops = await self._open_snoops()
        caller, both = snoops["caller"], snoops["both"]
        max_seconds = self._captures.max_seconds
        for snoop, name in ((caller, self.row.caller_file), (both, self.row.both_file)):
            recording = snoop.record(
                name, max_seconds=max_seconds + 30, max_silence_seconds=0, beep=False
            )
            self._recordings.append(asyncio.ensure_future(recording))
        self._move("playing")
        speaking = asyncio.ensure_future(self._speak(snoops["speak"]))
        gone = asyncio.ensure_future(caller.until_gone())
        waits: list[asyncio.Future[Any]] = [self._ending, gone]
        try:
            async with asyncio.timeout(max_seconds):
                await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        except TimeoutError:
            return Ending(complete=True, ended_by="max_duration")
        finally:
            speaking.cancel()
            gone.cancel()
        if self._ending.done():
            return self._ending.result()
        return Ending(complete=False, ended_by="caller_hangup")

    async def _speak(self, speaker: StasisChannel) -> None:
        """The script, then the snoop that played it goes (the recordings go on)."""
        try:
            await speaker.play(list(self.script.media), interruptible=False)
        except CallerGone:
            return
        except AriError as exc:  # the recordings go on, but the signature is incomplete
            log.warning("signature script not played", call_id=self.row.call_id, why=str(exc))
            return
        self._move("listening")
        await speaker.hangup()

    async def _open_snoops(self) -> dict[Role, StasisChannel]:
        ari = self._captures.ari
        waiting = {role: self._captures.expect(f"{self.row.id}-{role}") for role in _SNOOPS}
        try:
            for role, (spy, whisper) in _SNOOPS.items():
                await ari.snoop(
                    self.caller_channel,
                    app_args=SNOOP_HANDLER,
                    spy=spy,
                    whisper=whisper,
                    snoop_id=f"{self.row.id}-{role}",
                )
            async with asyncio.timeout(SNOOP_START_SECONDS):
                for role, started in waiting.items():
                    self._snoops[role] = await started
        except AriNotFound:
            raise CallerGone from None
        finally:
            for role in waiting:
                self._captures.forget(f"{self.row.id}-{role}")
        return dict(self._snoops)

    async def _wind_down(self) -> None:
        """Stop both recordings (Asterisk closes the files), then drop every snoop."""
        ari = self._captures.ari
        for name in (self.row.caller_file, self.row.both_file):
            with contextlib.suppress(AriError):
                await ari.stop_recording(name)
        # Asked of Asterisk rather than awaited as RecordingFinished: when the service stops,
        # the snoops' events no longer reach us.
        await self._captures.until_closed(self.row)
        for task in self._recordings:
            if task.done() and not task.cancelled() and task.exception() is not None:
                log.warning(
                    "signature recording failed",
                    call_id=self.row.call_id,
                    why=str(task.exception()),
                )
            task.cancel()
        for role in _SNOOPS:  # also a snoop whose StasisStart never came
            with contextlib.suppress(AriError):
                await self._captures.ari.hangup(f"{self.row.id}-{role}")

    def _move(self, state: str, **details: Any) -> None:
        log.info(
            "signature capture",
            signature_id=str(self.row.id),
            call_id=self.row.call_id,
            state=state,
            previous=self.state,
            **details,
        )
        self.state = state


class Captures:
    """Every capture in progress, one per call at most, and the snoops they wait for."""

    def __init__(self, *, service: SignatureService, ari: AriClient, facts: Facts) -> None:
        """`facts(caller)`: what the IVR learnt of the caller (language, case)."""
        self.service = service
        self.ari = ari
        self._facts = facts
        self._by_call: dict[str, Capture] = {}
        self._starting: set[str] = set()
        self._snoops: dict[str, asyncio.Future[StasisChannel]] = {}

    @property
    def max_seconds(self) -> int:
        return self.service.policy.signatures.max_seconds

    def handlers(self) -> dict[str, CallHandler]:
        return {SNOOP_HANDLER: self._snoop_started}

    def current(self, call_id: str) -> Capture | None:
        return self._by_call.get(call_id)

    # --- starting and ending ----------------------------------------------------------------
    async def start(
        self,
        *,
        call_id: str,
        agent_id: str,
        program: str | None = None,
        language: str | None = None,
        caller: Caller | None = None,
        how: str,
        by: str,
    ) -> SignatureRow:
        """Start a capture on the caller of `call_id` (their channel id), asked for `how`
        (code, api) `by` whom. The language and the case come from the call unless given.
        CaptureRefused when one is going already; BadCapture / ScriptUnavailable when it
        cannot start."""
        if call_id in self._by_call or call_id in self._starting:
            raise CaptureRefused("a signature is being taken on this call already")
        self._starting.add(call_id)
        try:
            facts = await self._facts(call_id)
            begun = await self.service.begin(
                call_id=call_id,
                agent_id=agent_id,
                how=how,
                by=by,
                program=program,
                language=language or facts.language,
                caller=caller or Caller(case_number=facts.case_number, ssn_last4=facts.ssn_last4),
            )
            capture = Capture(begun, caller_channel=call_id, captures=self)
            self._by_call[call_id] = capture
        finally:
            self._starting.discard(call_id)
        task = asyncio.create_task(capture.run(), name=f"signature-{begun.row.id}")
        task.add_done_callback(lambda _: self._by_call.pop(call_id, None))
        return begun.row

    async def end(self, call_id: str, *, complete: bool, ended_by: EndedBy) -> SignatureRow:
        """End the call's capture and return it sealed; CaptureRefused when there is none."""
        capture = self._by_call.get(call_id)
        if capture is None:
            raise CaptureRefused("no signature is being taken on this call")
        capture.end(Ending(complete=complete, ended_by=ended_by))
        await capture.done.wait()
        if capture.sealed is None:
            raise CaptureRefused("the signature was sealed already")
        return capture.sealed

    async def run(self) -> None:
        """A background job: seal the captures a previous run left open (their recordings
        stopped first, so the files are whole), then, when the service stops, end every
        capture in progress as incomplete."""
        for row in await self.service.open_captures():
            if row.call_id in self._by_call or row.call_id in self._starting:
                continue  # taken since this process started (a code keyed before this job)
            for name in (row.caller_file, row.both_file):
                with contextlib.suppress(AriError):
                    await self.ari.stop_recording(name)
            await self.until_closed(row)
            for role in _SNOOPS:
                with contextlib.suppress(AriError):
                    await self.ari.hangup(f"{row.id}-{role}")
            await self.service.finish(row, complete=False, ended_by="service_restart")
        try:
            await asyncio.Event().wait()
        finally:
            captures = list(self._by_call.values())
            for capture in captures:
                capture.end(Ending(complete=False, ended_by="service_restart"))
            for capture in captures:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(RECORDING_CLOSE_SECONDS * 2):
                        await capture.done.wait()

    async def until_closed(self, row: SignatureRow) -> None:
        """Until Asterisk lists neither recording as live (bounded): their files are closed."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + RECORDING_CLOSE_SECONDS
        for name in (row.caller_file, row.both_file):
            while loop.time() < deadline:
                try:
                    await self.ari.live_recording(name)
                except AriError:
                    break
                await asyncio.sleep(POLL_SECONDS)

    # --- the snoops -------------------------------------------------------------------------
    def expect(self, snoop_id: str) -> asyncio.Future[StasisChannel]:
        future: asyncio.Future[StasisChannel] = asyncio.get_running_loop().create_future()
        self._snoops[snoop_id] = future
        return future

    def forget(self, snoop_id: str) -> None:
        self._snoops.pop(snoop_id, None)

    async def _snoop_started(self, snoop: StasisChannel) -> None:
        """A capture's snoop in our app: handed to its capture, and kept here (so its events
        reach it) until it goes. A snoop nobody waits for (left from before a restart) is
        hung up (as the dispatcher hangs up every snoop when the service stops)."""
        waiting = self._snoops.get(snoop.id)
        if waiting is None or waiting.done():
            await snoop.hangup()
            return
        waiting.set_result(snoop)
        await snoop.until_gone()
