"""What a call flow needs from the rest of the service, gathered in one place per process."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ccc_telephony.asterisk.ari.channel import StasisChannel
from ccc_telephony.config.directory import DirectoryHolder
from ccc_telephony.config.policy import Policy
from ccc_telephony.hours.service import HoursService


class Prompts(Protocol):
    def media(self, name: str, lang: str) -> str | None: ...
    def has_language(self, lang: str, required: Iterable[str]) -> bool: ...


@dataclass
class IvrContext:
    policy: Policy
    directory: DirectoryHolder  # `.current` at each use: admins edit it while calls run
    prompts: Prompts
    hours: HoursService
    caller_hash_key: bytes
    emit: Callable[[str, str, Mapping[str, Any]], None]
    # A call's events so far (name, details), in order; empty when they cannot be read.
    history: Callable[[str], Awaitable[list[tuple[str, Mapping[str, Any]]]]]
    # Where Asterisk writes recordings, as this process sees the folder.
    recordings_dir: Path
    # A staff member's mailbox (the mailboxes feature): the caller's channel, the extension
    # keyed, their language; the call's outcome. None: no mailboxes from the IVR.
    staff_mailbox: Callable[[StasisChannel, str, str], Awaitable[str]] | None = None
