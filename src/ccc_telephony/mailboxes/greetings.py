"""Greeting sounds: an agent's own recordings (by phone or upload) and the spoken greeting a
mailbox without one plays, so that no caller is ever left in silence.

All of them are files in Asterisk's recordings folder, played as `recording:<name>`: a
greeting recorded by phone is already there (ARI's live recording), an upload is checked and
converted there like a prompt upload, and a spoken greeting is made there with espeak-ng from
the policy's text, the agent's name and the moment it promises. A spoken greeting's name is
the mailbox's, its kind and language, and the digest of what it says: made once, and a
changed name or time makes a new one that replaces it.
The methods that touch files block: async callers run them in a thread.
"""

from __future__ import annotations

import glob
import hashlib
import re
import secrets
from datetime import datetime
from pathlib import Path

from ccc_telephony.config.policy import Policy
from ccc_telephony.hours.describe import say_moment, say_time
from ccc_telephony.mailboxes.rules import GreetingKind
from ccc_telephony.prompts.audio import convert_upload
from ccc_telephony.prompts.errors import PromptError
from ccc_telephony.prompts.generate import speak
from ccc_telephony.store.mailboxes import MailboxRecord

PREFIX = "mailbox-"
_RECORDING = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,200}$")
_DIGEST = re.compile(r"^[0-9a-f]{20}$")


def media(name: str) -> str:
    return f"recording:{name}"


class Greetings:
    def __init__(self, *, policy: Policy, recordings_dir: Path) -> None:
        self._policy = policy
        self._dir = recordings_dir

    def take_name(self, mailbox: str, kind: str) -> str:
        """A fresh recording name for a greeting of this mailbox (each take its own)."""
        return f"{PREFIX}{mailbox}-{kind}-{secrets.token_hex(4)}"

    def path(self, name: str) -> Path:
        return self._dir / f"{name}.wav"

    def message_file(self, name: str) -> Path | None:
        """A message's WAV, if it is there: the name is the service's own, still checked
        like the messages' audio route does, so that it stays inside the recordings folder."""
        if not _RECORDING.fullmatch(name) or ".." in name:
            return None
        path = self.path(name)
        return path if path.is_file() else None

    def save_upload(self, mailbox: str, kind: str, audio: bytes) -> str:
        """A checked, converted upload (PromptError saying why not); its recording name. It
        may be as long as a greeting recorded by phone (the policy's greeting_max_seconds)."""
        name = self.take_name(mailbox, kind)
        info = convert_upload(audio, self.path(name))
        limit = self._policy.mailboxes.greeting_max_seconds
        if info.duration_seconds > limit:
            self.path(name).unlink(missing_ok=True)
            raise PromptError(f"too long: {info.duration_seconds:.0f} s, at most {limit} s")
        return name

    def remove(self, name: str | None) -> None:
        """A greeting replaced: its file is no longer needed."""
        if name and name.startswith(PREFIX):
            self.path(name).unlink(missing_ok=True)

    def text(
        self,
        mailbox: MailboxRecord,
        kind: GreetingKind,
        language: str,
        until: datetime | None,
        now: datetime,
    ) -> tuple[str, str]:
        """(text, espeak voice) of the spoken greeting; a language without a voice or a text
        speaks the policy's first language. `{until}` is a time of day when it is today, else
        the day and time."""
        texts = getattr(self._policy.mailboxes.greetings, kind)
        first = self._policy.languages[0]
        chosen = next((lang for lang in self._policy.languages if lang.code == language), first)
        if not chosen.tts_voice or language not in texts:
            chosen = first
        text = texts.get(chosen.code) or next(iter(texts.values()))
        text = text.replace("{name}", _speakable(mailbox.agent.name))
        if until is not None:
            local = until.astimezone(self._policy.zone)
            today = local.date() == now.astimezone(self._policy.zone).date()
            said = say_time(local.time(), chosen.code) if today else say_moment(local, chosen.code)
            text = text.replace("{until}", said)
        assert chosen.tts_voice is not None  # the first language has a voice (policy rule)
        return text, chosen.tts_voice

    def spoken(
        self,
        mailbox: MailboxRecord,
        kind: GreetingKind,
        language: str,
        until: datetime | None,
        now: datetime,
    ) -> str:
        """The spoken greeting's recording name, made now if it is not there yet. Only the
        current one per mailbox, kind and language is kept: making a new one (another day's
        time, a new name or date) removes the one it replaces."""
        text, voice = self.text(mailbox, kind, language, until, now)
        stem = f"{PREFIX}spoken-{mailbox.id}-{kind}-{language}-"
        name = stem + hashlib.sha256(f"{voice}\0{text}".encode()).hexdigest()[:20]
        if not self.path(name).is_file():
            speak(text, voice, self.path(name))
            self._remove_replaced(stem, name)
        return name

    def _remove_replaced(self, stem: str, current: str) -> None:
        for path in self._dir.glob(glob.escape(stem) + "*.wav"):
            if path.stem != current and _DIGEST.fullmatch(path.stem[len(stem) :]):
                path.unlink(missing_ok=True)


def _speakable(name: str) -> str:
    """An agent's name as espeak-ng gets it: letters, spaces and a few marks only."""
    return "".join(c for c in name if c.isalpha() or c in " .-'")[:80] or "this staff member"
