"""What a call flow needs from the rest of the service, gathered in one place per process."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ccc_telephony.config.directory import Directory
from ccc_telephony.config.policy import Policy
from ccc_telephony.hours.service import HoursService
from ccc_telephony.ivr.identification import CallerIdentity


class Prompts(Protocol):
    def media(self, name: str, lang: str) -> str | None: ...
    def has_language(self, lang: str, required: Iterable[str]) -> bool: ...


class ScreenPop:
    """The full identity a caller keyed, in memory only, until their call ends.

    A later issue shows it to the answering agent; nothing here is ever written anywhere.
    """

    def __init__(self) -> None:
        self._held: dict[str, CallerIdentity] = {}

    def hold(self, call_id: str, identity: CallerIdentity) -> None:
        self._held[call_id] = identity

    def get(self, call_id: str) -> CallerIdentity | None:
        return self._held.get(call_id)

    def drop(self, call_id: str) -> None:
        self._held.pop(call_id, None)

    def __len__(self) -> int:
        return len(self._held)


@dataclass
class IvrContext:
    policy: Policy
    directory: Directory
    prompts: Prompts
    hours: HoursService
    caller_hash_key: bytes
    screen_pop: ScreenPop
    emit: Callable[[str, str, Mapping[str, Any]], None]
    # Where Asterisk writes recordings, as this process sees the folder.
    recordings_dir: Path
