"""The rules of a queue callback, without Asterisk or the database: where a placeholder goes in
line, which number a caller may be called back at, what follows an unanswered attempt, and
how a placeholder's channels are named."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from ccc_telephony.config.callbacks import Callbacks
from ccc_telephony.config.returns import DialBack

# The Stasis arguments: the caller keyed 1 in the queue; a placeholder's agent answered.
OFFER_HANDLER = "callback-offer"
AGENT_HANDLER = "callback"
CALLBACK_CONTEXT = "ccc-callback"
BACK_IN_LINE_CONTEXT = "ccc-callback-back"
_PLACEHOLDER = re.compile(r"^callback-([0-9]{1,18})-([0-9]{1,2})(-q)?$")


@dataclass(frozen=True, slots=True)
class Waiting:
    """One entry in app_queue's line (QueueStatus): its queue, channel id and how long it has
    waited."""

    queue: str
    call_id: str
    wait_seconds: int


def position_for(
    entered_at: datetime,
    now: datetime,
    line: Iterable[Waiting],
    placeholders: Mapping[int, datetime],
) -> int:
    """The position that keeps a caller's place: one after everyone in line who joined the
    queue before they did. A real caller joined `wait_seconds` ago; a placeholder stands for
    the time its own caller joined (`placeholders`: callback id -> that time, every callback
    put in line), so callbacks put back after a restart keep their order among themselves and
    among real callers. A placeholder just put in line may not be in app_queue's line yet (its
    Local channel starts Queue() a moment after the originate): it counts all the same, or two
    put back one after the other could swap (a position past the end of the line is its end,
    so counting one that joins later is harmless). app_queue still puts callers of a higher
    priority (a transferred caller's QUEUE_PRIO) first."""
    ahead = 0
    unseen = dict(placeholders)
    for entry in line:
        found = placeholder_of(entry.call_id)
        joined = (
            unseen.pop(found[0], None)
            if found is not None
            else now - timedelta(seconds=entry.wait_seconds)
        )
        if joined is not None and joined < entered_at:
            ahead += 1
    return ahead + sum(1 for joined in unseen.values() if joined < entered_at) + 1


def callback_number(raw: str | None) -> str | None:
    """The ten digits a caller can be called back at (their caller ID, or what they keyed),
    None for anything else: anonymous, an extension, too short, not a US number (the dialer's
    rule, `DialBack`, with its default lists; the dialer applies the policy's when it dials)."""
    return DialBack().number(raw)


Next = Literal["retry", "failed"]


@dataclass(frozen=True, slots=True)
class AfterAttempt:
    next: Next
    at: datetime | None  # when the next attempt is due (retry), else None


def after_unanswered(attempts: int, now: datetime, policy: Callbacks) -> AfterAttempt:
    """`attempts` tried so far (this one included): again `retry_minutes` later, or the end."""
    if attempts >= policy.max_attempts:
        return AfterAttempt("failed", None)
    return AfterAttempt("retry", now + timedelta(minutes=policy.retry_minutes))


def placeholder_ids(callback_id: int, attempt: int) -> tuple[str, str]:
    """The channel ids of a placeholder: the half that enters our app when an agent answers,
    and the half waiting in the queue (app_queue's Uniqueid for it)."""
    base = f"callback-{callback_id}-{attempt}"
    return base, f"{base}-q"


def placeholder_of(channel_id: str) -> tuple[int, int] | None:
    """(callback id, attempt) of a placeholder's channel, None for any other channel."""
    found = _PLACEHOLDER.fullmatch(channel_id)
    return None if found is None else (int(found.group(1)), int(found.group(2)))


def spoken_digits(number: str) -> list[str]:
    """The digit prompts that read a number back."""
    return [f"digit_{digit}" for digit in number if digit.isdigit()]
