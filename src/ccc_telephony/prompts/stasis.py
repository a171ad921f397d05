"""Recording a prompt by phone: an admin dials *77, picks a language and a prompt by number,
records after the tone, hears the take back, then keeps it, records again or cancels.

The dialplan is the gate (only the admin endpoint's context, ccc-admin, has *77); the handler
checks again that the channel entered Stasis from that context, so a dialplan edit that sends
another line to `record-prompt` can never change what callers hear. Everything the admin hears
is in the policy's first language (the admin_* prompts, generated like the others).

A kept take goes the way of an upload: `PromptLibrary.save_recording` checks, converts and
publishes it (so the next caller hears it, over any generated sound) and the change is written
to the same audit table (`prompt_recordings`, source "phone"). The session's steps are call
events, `prompt_recorded` among them, so they land in `call_events` like a caller's.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.asterisk import recordings
from ccc_telephony.asterisk.ari.channel import CallerGone, Recording, StasisChannel
from ccc_telephony.asterisk.ari.client import AriError
from ccc_telephony.asterisk.ari.dispatcher import CallHandler
from ccc_telephony.config.directory import DirectoryHolder
from ccc_telephony.config.policy import Policy
from ccc_telephony.prompts.audio import MAX_SECONDS, AudioInfo, check_audio
from ccc_telephony.prompts.catalog import prompt_by_number, recordable_prompts
from ccc_telephony.prompts.errors import PromptError
from ccc_telephony.prompts.library import PromptLibrary
from ccc_telephony.store import prompts as prompts_store

log = structlog.get_logger(__name__)

HANDLER = "record-prompt"  # Stasis(<app>,record-prompt) in dialplan/extensions.conf
ADMIN_CONTEXT = "ccc-admin"
MAX_FAILURES = 3  # invalid or missing answers to one question, or unusable takes in a row
MAX_SILENCE_SECONDS = 10  # an admin may pause to read the script
NUMBER_INTER_DIGIT_SECONDS = 4.0
KEEP, AGAIN, CANCEL = "1", "2", "3"
_SAFE_NAME = re.compile(r"[^A-Za-z0-9_-]")
# Asterisk names a channel after its endpoint plus a unique suffix: PJSIP/admin-0000002a,
# Local/*77@ccc-admin-00000003;2.
_CHANNEL_SUFFIX = re.compile(r"-[0-9a-f]{8}(;[12])?$")


@dataclass
class PromptRecordingContext:
    """What a recording session needs from the rest of the service."""

    policy: Policy
    directory: DirectoryHolder
    library: PromptLibrary
    engine: AsyncEngine
    emit: Callable[[str, str, Mapping[str, Any]], None]
    # Where Asterisk writes recordings, as this process sees the folder.
    recordings_dir: Path

    @property
    def numbered(self) -> list[str]:
        """Prompt numbers as `prompts list` shows them now: consortia come and go."""
        return recordable_prompts(self.policy, self.directory.current)


class _GiveUp(Exception):
    """The admin failed one question MAX_FAILURES times: end the call politely."""


class PromptRecordingLine:
    """The `record-prompt` Stasis handler: refuses non-admin channels, runs one session each."""

    def __init__(self, ctx: PromptRecordingContext) -> None:
        self.ctx = ctx

    def handlers(self) -> dict[str, CallHandler]:
        return {HANDLER: self.new_call}

    async def new_call(self, channel: StasisChannel) -> None:
        who = caller_of(channel)
        if channel.context != ADMIN_CONTEXT:
            log.warning(
                "prompt recording refused: not the admin context",
                call_id=channel.id,
                context=channel.context[:40],
            )
            self.ctx.emit(channel.id, "prompt_session_refused", {"context": channel.context, **who})
            await channel.hangup()
            return
        session = RecordingSession(self.ctx, channel)
        try:
            await session.run()
        except CallerGone:
            raise
        except asyncio.CancelledError:
            session.outcome = "service_stopping"  # the dispatcher hands the call on
            raise
        except Exception:
            session.outcome = "error"  # the dispatcher logs it and hands the call on
            raise
        finally:
            await session.discard_takes()
            self.ctx.emit(channel.id, "prompt_session_ended", {"outcome": session.outcome})


def caller_of(channel: StasisChannel) -> dict[str, str]:
    """Who is recording, for the audit: caller ID and the endpoint the call came from."""
    return {
        "caller_number": channel.caller_number,
        "caller_name": channel.caller_name,
        "endpoint": _CHANNEL_SUFFIX.sub("", channel.name),
    }


class RecordingSession:
    """One admin call: language, prompt, then takes until one is kept or the admin gives up."""

    def __init__(self, ctx: PromptRecordingContext, channel: StasisChannel) -> None:
        self.ctx = ctx
        self.channel = channel
        self.admin_language = ctx.policy.languages[0].code
        self.who = caller_of(channel)
        self.outcome = "hangup"
        self._takes: list[str] = []  # stored recordings in Asterisk's spool, deleted at the end

    # --- helpers ----------------------------------------------------------------------------
    def emit(self, name: str, **details: Any) -> None:
        self.ctx.emit(self.channel.id, name, details)

    def media(self, *names: str) -> list[str]:
        found = (self.ctx.library.media(name, self.admin_language) for name in names)
        return [uri for uri in found if uri]

    async def say(self, *names: str, interruptible: bool = False) -> None:
        await self.channel.play(self.media(*names), interruptible=interruptible)

    async def ask_one_digit(self, prompt: list[str]) -> str:
        """Play a question and return one key, or '' if none came in time (keys pressed ahead
        are used at once)."""
        timeout = self.ctx.policy.menu.first_digit_timeout_seconds
        return await self.channel.ask_one_digit(prompt, timeout=timeout)

    async def invalid(
        self, question: str, keyed: str, failures: int, prompt: str = "admin_invalid"
    ) -> None:
        """After a wrong or missing answer: say so and ask again, or give up on the third."""
        self.channel.flush_digits()
        self.emit("prompt_input_invalid", question=question, keyed=keyed[:4] or None)
        if failures >= MAX_FAILURES:
            raise _GiveUp
        await self.say(prompt, interruptible=True)

    # --- the flow ---------------------------------------------------------------------------
    async def run(self) -> None:
        self.emit("prompt_session_started", **self.who)
        await self.channel.answer()
        try:
            language = await self.choose_language()
            name = await self.choose_prompt()
            await self.record(language, name)
        except _GiveUp:
            self.outcome = "too_many_failures"
            await self.say("admin_too_many_failures", "goodbye")
        await self.channel.hangup()

    async def choose_language(self) -> str:
        """The language's menu key, as callers press it (the question lists them)."""
        by_key = {lang.key: lang.code for lang in self.ctx.policy.languages}
        failures = 0
        while True:
            key = await self.ask_one_digit(self.media("admin_language"))
            if key in by_key:
                return by_key[key]
            failures += 1
            await self.invalid("language", key, failures)

    async def choose_prompt(self) -> str:
        """The prompt by its number, as `ccc-telephony prompts list` shows it."""
        numbered = self.ctx.numbered
        failures = 0
        while True:
            await self.channel.play(self.media("admin_prompt_number"))
            keyed, _ = await self.channel.read_digits(
                max_digits=len(str(len(numbered))),
                first_timeout=self.ctx.policy.menu.first_digit_timeout_seconds,
                inter_timeout=NUMBER_INTER_DIGIT_SECONDS,
            )
            name = prompt_by_number(numbered, keyed)
            if name is not None:
                return name
            failures += 1
            prompt = "admin_unknown_prompt" if keyed else "admin_invalid"
            await self.invalid("prompt_number", keyed, failures, prompt)

    async def record(self, language: str, name: str) -> None:
        """Takes until one is kept, the admin cancels, or MAX_FAILURES unusable takes."""
        self.channel.flush_digits()
        current = self.ctx.library.media(name, language) or self.ctx.library.media(
            name, self.admin_language
        )
        if current:
            await self.channel.play([*self.media("admin_current"), current])
        rejected = 0
        while True:
            self.channel.flush_digits()
            await self.say("admin_record")
            take, audio = await self.take(language, name)
            problem = _unusable(audio)
            if problem is not None:
                rejected += 1
                self.emit(
                    "prompt_recording_rejected",
                    language=language,
                    prompt=name,
                    reason=problem,
                    duration_seconds=audio.seconds,
                )
                if rejected >= MAX_FAILURES:
                    raise _GiveUp
                await self.say("admin_too_short")
                continue
            rejected = 0
            self.emit(
                "prompt_recording_review",
                language=language,
                prompt=name,
                duration_seconds=audio.seconds,
            )
            choice = await self.review(take.name)
            if choice == AGAIN:
                continue
            if choice == CANCEL:
                self.outcome = "cancelled"
                self.emit("prompt_recording_cancelled", language=language, prompt=name)
                await self.say("admin_cancelled", "goodbye")
                return
            await self.keep(take, audio, language, name)
            return

    async def take(self, language: str, name: str) -> tuple[Recording, recordings.RecordedAudio]:
        number = len(self._takes) + 1
        recording_name = f"prompt-{_SAFE_NAME.sub('_', self.channel.id)}-{number}"
        self._takes.append(recording_name)
        self.emit("prompt_recording_started", language=language, prompt=name, take=number)
        recording = await self.channel.record(
            recording_name, max_seconds=int(MAX_SECONDS), max_silence_seconds=MAX_SILENCE_SECONDS
        )
        self.channel.flush_digits()  # the # that ended the take
        if not recording.finished:
            return recording, recordings.RecordedAudio(0.0, 0)
        audio = await asyncio.to_thread(recordings.inspect, self._path(recording.name))
        return recording, audio

    async def review(self, recording_name: str) -> str:
        """Play the take back and ask keep / again / cancel; the question alone when re-asked."""
        prompt = [*self.media("admin_review"), f"recording:{recording_name}"]
        failures = 0
        while True:
            key = await self.ask_one_digit([*prompt, *self.media("admin_confirm")])
            if key in (KEEP, AGAIN, CANCEL):
                return key
            failures += 1
            await self.invalid("review", key, failures)
            prompt = []

    async def keep(
        self, take: Recording, audio: recordings.RecordedAudio, language: str, name: str
    ) -> None:
        try:
            stored = await asyncio.to_thread(
                self.ctx.library.save_recording, name, language, self._path(take.name)
            )
        except (PromptError, OSError) as exc:
            reason = str(exc) if isinstance(exc, PromptError) else "cannot write the sound files"
            log.warning("prompt recording not saved", call_id=self.channel.id, error=reason)
            self.outcome = "save_failed"
            self.emit("prompt_recording_rejected", language=language, prompt=name, reason=reason)
            await self.say("admin_save_failed", "goodbye")
            return
        self.outcome = "saved"
        self.emit(
            "prompt_recorded",
            language=language,
            prompt=name,
            duration_seconds=audio.seconds,
            **self.who,
        )
        await self.audit(language, name, stored)
        await self.say("admin_saved", "goodbye")

    async def audit(self, language: str, name: str, stored: Path) -> None:
        """The same audit row as an upload. The sound is already live: a database that is down
        must not make the admin record again (the `prompt_recorded` event is spooled anyway)."""
        set_by = ", ".join(filter(None, (self.who["endpoint"], self.who["caller_number"])))
        try:
            await prompts_store.record_prompt_change(
                self.ctx.engine,
                prompt=name,
                language=language,
                source="phone",
                stored_path=str(stored),
                set_by=set_by or "phone",
            )
        except Exception as exc:
            log.warning(
                "prompt change not audited", call_id=self.channel.id, error=type(exc).__name__
            )

    async def discard_takes(self) -> None:
        """Delete this call's takes from Asterisk's spool (a kept one was copied already)."""
        for recording_name in self._takes:
            with contextlib.suppress(AriError):
                await self.channel.ari.delete_stored_recording(recording_name)
        self._takes.clear()

    def _path(self, recording_name: str) -> Path:
        return self.ctx.recordings_dir / f"{recording_name}.wav"


def _unusable(audio: recordings.RecordedAudio) -> str | None:
    """Why a take cannot be a prompt, judged like an upload; None when it can."""
    try:
        check_audio(AudioInfo(duration_seconds=audio.seconds, peak=audio.peak / 32768))
    except PromptError as exc:
        return str(exc)
    return None
