"""How far a caller got in the IVR, read back from their call's events.

When the service starts again after a crash it finds callers still waiting in its app. Asking
them for their language again would read their next keys (meant for the main menu or their
case number) as answers to the wrong question, so the call goes on from the step its events
say it reached. Only what the events hold comes back: the case number or the SSN's last four
and keyed hash, never more.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ccc_telephony.ivr.identification import CallerIdentity, IdentityKind

Event = tuple[str, Mapping[str, Any]]
UNIDENTIFIED = CallerIdentity(IdentityKind.NONE)


@dataclass(frozen=True, slots=True)
class Progress:
    language: str | None = None
    # The last valid main-menu key; None when the caller had not chosen or came back to
    # the menu from the information branch.
    menu_key: str | None = None
    identification_done: bool = False
    identity: CallerIdentity = UNIDENTIFIED
    message_offered: bool = False
    # After hours: the queue the caller's message asks a call back from, once chosen.
    message_queue: str | None = None

    @property
    def step(self) -> str:
        """The step the call resumes at, in the events' words."""
        if self.message_offered:
            return "message"
        if self.message_queue is not None:
            return "message" if self.identification_done else "identification"
        if self.menu_key is not None:
            return "queue" if self.identification_done else "identification"
        return "main_menu" if self.language else "language"


def progress_of(events: Iterable[Event], *, information_keys: frozenset[str]) -> Progress:
    """Fold the call's events, in order, into the furthest step reached."""
    language = None
    menu_key = None
    identification_done = False
    identity = UNIDENTIFIED
    message_offered = False
    message_queue = None
    for name, details in events:
        if name == "language_selected":
            language = _text(details.get("language"))
        elif name == "menu_choice" and details.get("valid"):
            key = _text(details.get("key"))
            menu_key = None if key in information_keys else key
        elif name == "caller_identified":
            identification_done = True
            identity = _identity(details)
        elif name == "message_offered":
            message_offered = True
        elif name == "message_queue_chosen":
            message_queue = _text(details.get("queue"))
    return Progress(
        language=language,
        menu_key=menu_key,
        identification_done=identification_done,
        identity=identity,
        message_offered=message_offered,
        message_queue=message_queue,
    )


def _identity(details: Mapping[str, Any]) -> CallerIdentity:
    try:
        kind = IdentityKind(str(details.get("kind")))
    except ValueError:
        return UNIDENTIFIED
    return CallerIdentity(
        kind,
        case_number=_text(details.get("case_number")),
        ssn_last4=_text(details.get("ssn_last4")),
        ssn_hmac=_text(details.get("ssn_hmac")),
    )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
