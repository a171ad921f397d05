"""What the transfer paths (the blind-transfer desk, the calls agents dial) share: where callers
may go now, who the agents are, the Help line's hours, and the sounds the dialplan plays."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ccc_telephony.config.directory import Consortium, Directory
from ccc_telephony.config.policy import Policy
from ccc_telephony.transfers.destinations import Destination, Targets, classify
from ccc_telephony.transfers.help_line import help_line_takes

QUEUE_CONTEXT = "ccc-queue"
OUTBOUND_CONTEXT = "ccc-outbound"
TARGET_VARIABLE = "CCC_TRANSFER_TARGET"


@dataclass(frozen=True, slots=True)
class Staff:
    """What the transfers ask the agents feature (through the composition root)."""

    agent_at: Callable[[str], str | None]  # extension -> agent id (active roster)
    logged_in: Callable[[str], bool]
    caller_of: Callable[[str], str | None]  # agent id -> the call id of their caller


@dataclass
class TransferContext:
    policy: Policy
    directory: Callable[[], Directory]  # the current snapshot
    staff: Staff
    media: Callable[[str, str], str | None]  # (prompt, language) -> ARI media URI
    emit: Callable[[str, str, Mapping[str, Any]], None]
    clock: Callable[[], datetime]
    center_open: Callable[[], bool]

    def destination(self, target: str) -> Destination:
        policy = self.policy
        targets = Targets(
            queues={**{name: name for name in policy.queues}, **policy.queue_extensions()},
            agent_by_extension=self.staff.agent_at,
            directory=self.directory(),
            dial_prefixes=policy.transfers.dial_prefixes,
        )
        return classify(target, targets)

    def help_line_takes(self, *, escalation: bool) -> bool:
        now = self.clock().astimezone(self.policy.zone).time()
        return help_line_takes(
            self.policy.transfers.help_line,
            now,
            escalation=escalation,
            center_open=self.center_open(),
        )

    def staff_sound(self, *names: str) -> str:
        """Staff prompts (first language) as one argument for the dialplan's Playback
        (`file&file`), or "" if none has a sound."""
        first = self.policy.languages[0].code
        found = (self.media(name, first) for name in names)
        return "&".join(uri.removeprefix("sound:") for uri in found if uri)

    def say_media(self, language: str, *names: str) -> list[str]:
        found = (self.media(name, language) for name in names)
        return [uri for uri in found if uri]


def number_prompts(consortium: Consortium) -> list[str]:
    """A consortium's name and main number, as prompts: what a caller is given instead."""
    digits = [f"digit_{d}" for d in consortium.phone]
    return [f"consortium_{consortium.id}", "phone_number_is", *digits]
