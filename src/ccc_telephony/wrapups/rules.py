"""What a wrap-up must hold, and whose contacts a principal sees. Pure.

The standard: after the call, write what it was about and what was done; a call the agent
ended as abusive is documented (its wrap-up needs an abusive-call note); every failed attempt
to reach a participant is logged too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

from ccc_telephony.config.agents import RosterAgent, in_unit
from ccc_telephony.store.contacts import ContactRow, Wrapup
from ccc_telephony.web.auth import Principal
from ccc_telephony.web.validation import UnsafeText, free_text

COMMENT_MAX_CHARS = 4_000
NOTE_MAX_CHARS = 4_000
# How a failed outbound attempt ended (the return-call issue logs them).
AttemptOutcome = Literal["no_answer", "busy", "left_message", "wrong_number", "failed"]


class BadWrapup(UnsafeText):
    """The wrap-up misses what it needs or holds what it must not (400)."""


def checked(
    contact: ContactRow,
    dispositions: Sequence[str],
    *,
    disposition: str,
    comment: str | None,
    first_contact_resolved: bool,
    interpreter_used: bool,
    abusive_note: str | None,
) -> Wrapup:
    """The wrap-up as it is kept; BadWrapup naming the field at fault."""
    if disposition not in dispositions:
        raise BadWrapup(f"disposition: one of {', '.join(dispositions)}")
    try:
        kept_comment = free_text(comment, field="comment", max_chars=COMMENT_MAX_CHARS)
        note = free_text(abusive_note, field="abusive_note", max_chars=NOTE_MAX_CHARS)
    except UnsafeText as exc:
        raise BadWrapup(str(exc)) from None
    if contact.abusive and note is None:
        raise BadWrapup(
            "abusive_note: required: the agent ended this call as abusive; say what happened"
        )
    return Wrapup(
        disposition=disposition,
        comment=kept_comment,
        first_contact_resolved=first_contact_resolved,
        interpreter_used=interpreter_used,
        abusive_note=note,
    )


def note_required(contact: ContactRow) -> bool:
    """Whether the wrap-up still needs its abusive-call note."""
    return contact.abusive and contact.abusive_note is None


def whose(principal: Principal, roster: Mapping[str, RosterAgent]) -> frozenset[str] | None:
    """Whose missing wrap-ups a principal follows: the admin everyone's (None), a lead or
    supervisor their unit's and their own, an agent their own."""
    if principal.is_admin:
        return None
    me = principal.agent_id
    head = roster.get(me or "")
    if head is None:
        return frozenset()
    if principal.role not in ("lead", "supervisor"):
        return frozenset({head.id})
    return frozenset({head.id, *(a.id for a in roster.values() if in_unit(a, head))})
