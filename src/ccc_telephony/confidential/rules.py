"""Confidential cases' rules, pure: who may see and work a task, what its fields may hold, how
an attempt moves it on, and what the notices say. The caller supplies the roster and moments.

The standard: the agent tells the assigned worker, copying the leads, the caller's name, case
number, phone and best time; the worker calls back within 24 hours during their call-center
shift. A task is the worker's, their unit's leads' and supervisors' (the roster's `in_unit`)
and the admin's; while it is still being filled in (no worker told yet) also the agent's who
marked it. E-mail never holds an SSN: a case number shaped like one is refused outright.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from ccc_telephony.config.agents import RosterAgent, in_unit, supervisors_of
from ccc_telephony.directory.numbers import normalize
from ccc_telephony.returns.rules import shown_number
from ccc_telephony.store.confidential import CallbackRow
from ccc_telephony.web.auth import Principal
from ccc_telephony.web.validation import SSN_LIKE

Outcome = Literal["answered", "no_answer", "busy", "left_message", "wrong_number", "failed"]
FailedOutcome = Literal["no_answer", "busy", "left_message", "wrong_number", "failed"]
Scope = Literal["mine", "team", "all"]
# What the worker must be told; a task missing any of them is not sent yet.
REQUIRED = ("worker_id", "caller_name", "case_number", "phone", "best_time")
CASE_NUMBER_MAX = 32


class NotYours(PermissionError):
    """The principal may not do this with this task (403)."""


class BadField(ValueError):
    """A field the task cannot hold (422 through the API); the message names it."""


class Closed(Exception):
    """The task does not take this now (409): done or unreachable, or already told."""


def checked_case_number(text: str, pattern: str) -> str:
    """A case number as the policy writes them. Anything shaped like an SSN is refused first,
    with that reason: it would go out in the worker's e-mail."""
    kept = text.strip()
    digits = re.sub(r"[\s-]", "", kept)
    if SSN_LIKE.search(kept) or (digits.isdigit() and len(digits) == 9):
        raise BadField("case_number: looks like a Social Security number; never send one")
    if len(kept) > CASE_NUMBER_MAX or not re.fullmatch(pattern, kept):
        raise BadField("case_number: not a case number")
    return kept


def checked_phone(text: str) -> str:
    """The number the worker dials back, as the carrier is dialled: ten digits."""
    number = normalize(text)
    if number is None:
        raise BadField("phone: a ten-digit North American number")
    return number


def missing(task: CallbackRow) -> list[str]:
    return [name for name in REQUIRED if getattr(task, name) is None]


def after_attempt(task: CallbackRow, outcome: Outcome, max_attempts: int) -> str:
    """An answered call back keeps the promise; the last failed attempt makes it unreachable."""
    if outcome == "answered":
        return "done"
    return "unreachable" if task.attempts + 1 >= max_attempts else "returning"


def leads_of(person: RosterAgent | None, roster: Mapping[str, RosterAgent]) -> list[RosterAgent]:
    """Who is copied on a task of `person` (its worker, else the agent who marked it): the
    leads whose unit holds them; none, their supervisors (the named one, else those of their
    team); none, or nobody known (they left the roster), every supervisor, as for messages.
    Empty only when the roster has no supervisor at all: the caller then tells nobody."""
    if person is not None:
        leads = [
            head
            for head in roster.values()
            if head.role == "lead" and head.id != person.id and in_unit(person, head)
        ]
        found = leads or supervisors_of(person, roster)
        if found:
            return found
    others = person.id if person is not None else None
    return [a for a in roster.values() if a.role == "supervisor" and a.id != others]


def person_of(task: CallbackRow, roster: Mapping[str, RosterAgent]) -> RosterAgent | None:
    """Whose unit a task is in: its worker's, else (none given yet, or they left the roster)
    the marking agent's; None when neither is in the roster."""
    return roster.get(task.worker_id or "") or roster.get(task.agent_id)


@dataclass(frozen=True, slots=True)
class Reader:
    """What one principal may do with confidential tasks."""

    principal: Principal
    roster: Mapping[str, RosterAgent]

    @property
    def me(self) -> str | None:
        return self.principal.agent_id

    def _head(self) -> RosterAgent | None:
        head = self.roster.get(self.me or "")
        return head if head is not None and head.role in ("lead", "supervisor") else None

    def heads(self, task: CallbackRow) -> bool:
        """A lead or supervisor of the task's unit (`person_of`), or one it was sent to (the
        fallbacks of `leads_of`: they must be able to act on what they are told)."""
        head = self._head()
        if head is None:
            return False
        subject = person_of(task, self.roster)
        if subject is not None and head.id != subject.id and in_unit(subject, head):
            return True
        told = (task.notified_to, task.escalated_to, task.incomplete_flagged_to)
        return any(head.id in (to or []) for to in told)

    def may_work(self, task: CallbackRow) -> bool:
        """Record attempts, mark it done."""
        return self.principal.is_admin or self.me == task.worker_id or self.heads(task)

    def may_reassign(self, task: CallbackRow) -> bool:
        """Give a told task to another worker: its leads and supervisors, the admin."""
        return self.principal.is_admin or self.heads(task)

    def sees(self, task: CallbackRow) -> bool:
        marking = self.me == task.agent_id and task.notified_at is None
        return marking or self.may_work(task)

    def may_complete(self, task: CallbackRow) -> bool:
        """Fill in what the phone code could not know, until the worker is told."""
        return self.sees(task)

    def default_scope(self) -> Scope:
        if self.principal.is_admin:
            return "all"
        return "team" if self._head() is not None else "mine"

    def listed(self, scope: Scope) -> tuple[frozenset[str] | None, frozenset[str]]:
        """Whose tasks a listing holds (None: everyone's), and whose incomplete ones."""
        me = self.me
        if scope == "all":
            if not self.principal.is_admin:
                raise NotYours("only the admin lists everyone's")
            return None, frozenset()
        if scope == "mine" or me is None:
            return (frozenset({me}), frozenset({me})) if me else (frozenset(), frozenset())
        head = self._head()
        if head is None:
            raise NotYours("a team's tasks are for its leads and supervisors")
        unit = frozenset(a.id for a in self.roster.values() if in_unit(a, head))
        return unit | {me}, unit | {me}


def owed_notice(
    task: CallbackRow, worker: RosterAgent, hours: int, zone: ZoneInfo
) -> tuple[str, str]:
    """The worker's e-mail (the leads copied): the standard's four fields and the due time.
    Nothing else of the case; never an SSN (the case number was checked when it was given)."""
    subject = f"Confidential case (task {task.id}): call back by {_local(task.due_at, zone)}"
    opening = [
        f"{worker.name} ({worker.id}) is to call back a caller about a confidential case,",
        f"within {hours} hours and during the worker's call-center shift.",
    ]
    return subject, _task_body(opening, task, hours, zone)


def overdue_notice(
    task: CallbackRow, worker: RosterAgent | None, hours: int, zone: ZoneInfo
) -> tuple[str, str]:
    """The leads' e-mail when the call back is past due and not done."""
    who = _named(worker, task.worker_id)
    subject = f"Overdue: confidential case (task {task.id}), due {_local(task.due_at, zone)}"
    opening = [
        f"{who} has not called back a caller about a confidential case by its due time.",
        _attempts(task),
    ]
    return subject, _task_body(opening, task, hours, zone)


def due_soon_notice(
    task: CallbackRow, worker: RosterAgent | None, minutes: int, hours: int, zone: ZoneInfo
) -> tuple[str, str]:
    """The worker's e-mail (their leads copied) when the call back is not done `minutes`
    before it is due: the promise can still be kept."""
    who = _named(worker, task.worker_id)
    subject = f"Due soon: confidential case (task {task.id}), by {_local(task.due_at, zone)}"
    opening = [
        f"{who} has not yet called back a caller about a confidential case,",
        f"and it is due within {minutes} minutes.",
        _attempts(task),
    ]
    return subject, _task_body(opening, task, hours, zone)


def _task_body(opening: list[str], task: CallbackRow, hours: int, zone: ZoneInfo) -> str:
    """A told task's e-mail: why it is sent, the standard's fields, the due time, the task."""
    lines = [*opening, "", *_fields(task), "", _due_line(task, hours, zone), ""]
    return "\n".join([*lines, *_footer(task, zone)])


def _attempts(task: CallbackRow) -> str:
    return f"Attempts so far: {task.attempts} (the task is {task.state})."


def incomplete_notice(
    task: CallbackRow, agent: RosterAgent | None, minutes: int, zone: ZoneInfo
) -> tuple[str, str]:
    """The leads' e-mail when a marked task is still not complete: nobody has been told, and
    the caller's promised hours are running. What is known so far, and what is missing."""
    who = _named(agent, task.agent_id)
    subject = f"Incomplete: confidential case (task {task.id}), nobody told yet"
    gaps = missing(task)
    why = (
        f"Missing: {', '.join(gaps)}."
        if gaps
        else f"The assigned worker ({task.worker_id}) is no longer in the roster: assign another."
    )
    body = "\n".join(
        [
            f"{who} marked a call's case confidential {minutes} minutes or more ago, and the",
            "task is still missing what the worker must be told: nobody has been told yet.",
            why,
            "",
            *_fields(task),
            f"Worker: {task.worker_id or '(missing)'}",
            "",
            *_footer(task, zone),
        ]
    )
    return subject, body


def _fields(task: CallbackRow) -> list[str]:
    return [
        f"Name: {_given(task.caller_name)}",
        f"Case number: {_given(task.case_number)}",
        f"Phone: {shown_number(task.phone) if task.phone else _given(None)}",
        f"Best time to call: {_given(task.best_time)}",
    ]


def _named(person: RosterAgent | None, known_as: str | None) -> str:
    """ "Ann Lee (ann)"; someone no longer in the roster by the id the task has."""
    return f"{person.name} ({person.id})" if person is not None else str(known_as)


def _given(value: str | None) -> str:
    return value if value is not None else "(missing)"


def _due_line(task: CallbackRow, hours: int, zone: ZoneInfo) -> str:
    line = f"Call back by: {_local(task.due_at, zone)}"
    if task.due_within is False:
        line += (
            f" ({hours} hours could not be met: too little of the worker's shift in them;"
            " the end of their next shift)"
        )
    return line


def _footer(task: CallbackRow, zone: ZoneInfo) -> list[str]:
    return [
        f"Marked by {task.agent_id} at {_local(task.created_at, zone)} on call {task.call_id}.",
        f"Task {task.id}: complete it, record each attempt and mark it done through the service",
        f"(GET /api/v1/confidential/{task.id}, or `ccc-telephony confidential show {task.id}`).",
    ]


def _local(moment: datetime | None, zone: ZoneInfo) -> str:
    if moment is None:
        return "not set"
    return moment.astimezone(zone).strftime("%a %Y-%m-%d %H:%M %Z")
