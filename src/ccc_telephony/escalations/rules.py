"""The follow-up rules of the standard ("During a call"): the Help lead gets back to the worker
who escalated within the policy's follow-up time (24 hours), either with the answer (resolved)
or to say it is still being researched. Pure: the caller supplies the moment and the roster.

Statuses: `open` (owed, no answer yet), `researching` (the lead answered "still researching"),
`resolved` (answered, with a note), `returned` (the caller went back to the worker before any
lead answered: nobody heard the question, so nobody owes a follow-up).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal

from ccc_telephony.config.agents import RosterAgent, in_unit
from ccc_telephony.store.escalations import Audience, FollowupRow
from ccc_telephony.web.auth import Principal
from ccc_telephony.web.validation import UnsafeText, free_text

Mark = Literal["researching", "resolved"]
Listing = Literal["open", "researching", "resolved", "returned", "overdue"]
LISTINGS: Final[tuple[Listing, ...]] = ("open", "researching", "resolved", "returned", "overdue")

# What a lead's answer may follow: "still researching" may be said again (with news), but a
# resolved follow-up is closed and a returned one was never owed.
MARKABLE_FROM: Final[Mapping[Mark, frozenset[str]]] = {
    "researching": frozenset({"open", "researching"}),
    "resolved": frozenset({"open", "researching"}),
}
_CLOSED_BECAUSE: Final[Mapping[str, str]] = {
    "resolved": "the follow-up is already resolved",
    "returned": "no follow-up is owed: the caller went back to the worker before a lead answered",
}

NOTE_MAX_CHARS = 1000


class MarkRefused(Exception):
    """The follow-up's status does not allow this answer (409)."""


class BadNote(UnsafeText):
    """The note is missing, too long or unsafe to keep (400); the message names the problem."""


def is_overdue(status: str, due_at: datetime, now: datetime) -> bool:
    """Owed and unanswered after its due time. "Still researching" is an answer to the worker
    (the standard: resolved or still being researched), so it is never overdue."""
    return status == "open" and now > due_at


def check_mark(current: str, to: Mark) -> None:
    if current not in MARKABLE_FROM[to]:
        raise MarkRefused(_CLOSED_BECAUSE.get(current, f"cannot mark a {current} follow-up {to}"))


def clean_note(note: str | None, to: Mark) -> str | None:
    """The note to keep, trimmed; None when there is none (allowed only for researching)."""
    try:
        text = free_text(note, field="note", max_chars=NOTE_MAX_CHARS)
    except UnsafeText as exc:
        raise BadNote(str(exc)) from None
    if text is None and to == "resolved":
        raise BadNote("note: required to resolve a follow-up (what the worker was told)")
    return text


@dataclass(frozen=True, slots=True)
class Reader:
    """What one principal may do with follow-ups. `unit` holds the agents whose escalations a
    lead or supervisor looks after (their team and the people they supervise)."""

    everything: bool
    me: str | None
    unit: frozenset[str]

    def audience(self) -> Audience | None:
        """The rows they may see, for the database's query; None: every row."""
        if self.everything:
            return None
        own = frozenset() if self.me is None else frozenset({self.me})
        return Audience(agents=self.unit | own, lead=self.me)

    def sees(self, row: FollowupRow) -> bool:
        """Their own escalations, too: a worker checks whether the lead got back to them."""
        return self.may_answer(row) or (self.me is not None and row.agent_id == self.me)

    def may_answer(self, row: FollowupRow) -> bool:
        """The lead who answered, the worker's leads and supervisors, the admin."""
        answered = self.me is not None and row.lead_id == self.me
        return self.everything or answered or row.agent_id in self.unit


def reader_of(principal: Principal, roster: Mapping[str, RosterAgent]) -> Reader:
    if principal.is_admin:
        return Reader(everything=True, me=None, unit=frozenset())
    me = principal.agent_id
    head = roster.get(me) if me is not None and principal.role in ("lead", "supervisor") else None
    unit = (
        frozenset()
        if head is None
        else frozenset(a.id for a in roster.values() if in_unit(a, head))
    )
    return Reader(everything=False, me=me, unit=unit)
