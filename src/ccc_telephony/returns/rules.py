"""Returning messages' rules, pure: whose end-of-day list a message is on, when the day's check
is due, what its e-mail says, and where an attempt leaves a message. The caller supplies the
roster, the policy and the moments (tests/unit/returns/test_rules.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ccc_telephony.config.agents import RosterAgent, Team, supervisors_of
from ccc_telephony.directory.numbers import normalize, written
from ccc_telephony.hours.workdays import Workdays
from ccc_telephony.messages.access import queue_heads
from ccc_telephony.store.messages import OPEN_STATES, ActionRow, MessageRow, State


def check_day(now: datetime, zone: ZoneInfo, workdays: Workdays, at: time) -> date | None:
    """The business day whose end-of-day check is due at `now` (its time `at` has come, local),
    None on a non-business day (a weekend, a holiday: nobody to give the time) or before it."""
    local = now.astimezone(zone)
    if not workdays.is_business_day(local.date()) or local.time() < at:
        return None
    return local.date()


def warn_from(now: datetime, minutes: int) -> datetime:
    """Open messages due before this moment are flagged: they will miss their due time unless
    returned within `minutes` (the policy's warning time)."""
    return now + timedelta(minutes=minutes)


def supervisors_for(
    message: MessageRow, roster: Mapping[str, RosterAgent], team_queues: Mapping[Team, str]
) -> list[RosterAgent]:
    """Whose end-of-day list the message is on: the supervisors of its owner and its mailbox's
    agent (the one the roster names, whatever their role); an after-hours one nobody took (or
    one whose people left the roster, or have no supervisor), the supervisors among its
    queue's heads (messages/access.py: the operator queue is everyone's), failing those every
    supervisor, failing those its queue's leads: it is never on nobody's list."""
    people = [roster[p] for p in (message.owner, message.mailbox) if p and p in roster]
    found = {head.id: head for person in people for head in supervisors_of(person, roster)}
    if found:
        return list(found.values())
    heads = queue_heads(message.queue, roster, team_queues)
    supervisors = [a for a in roster.values() if a.role == "supervisor"]
    return [h for h in heads if h.role == "supervisor"] or supervisors or heads


def lists_of(
    messages: Sequence[MessageRow],
    roster: Mapping[str, RosterAgent],
    team_queues: Mapping[Team, str],
) -> dict[str, list[MessageRow]]:
    """Each list's reader (by id, in the roster's order) with their messages, oldest due first
    as given; whoever has nothing open has none."""
    lists: dict[str, list[MessageRow]] = {}
    for message in messages:
        for head in supervisors_for(message, roster, team_queues):
            lists.setdefault(head.id, []).append(message)
    return {agent: lists[agent] for agent in roster if agent in lists}


def day_notice(
    head: RosterAgent,
    messages: Sequence[MessageRow],
    roster: Mapping[str, RosterAgent],
    day: date,
    zone: ZoneInfo,
) -> tuple[str, str]:
    """The supervisor's e-mail: one line per message, oldest due first. What a supervisor needs
    to give staff the time to return them; never the recording, never an SSN (the case number
    is left out, and the caller's number is written as staff write it, or not at all: a caller
    controls it)."""
    lines = [
        f"{head.name},",
        "",
        f"{len(messages)} message(s) of your staff are not yet returned ({day.isoformat()}).",
        "Each is due back the same workday; please give staff the time to return them.",
        "",
    ]
    for m in messages:
        known = roster.get(m.owner or "")
        owner = known.name if known is not None else (m.owner or "nobody yet")
        where = f"mailbox {m.mailbox}" if m.mailbox else f"after hours, queue {m.queue}"
        lines.append(
            f"- #{m.id} ({where}) for {owner}: caller {shown_number(m.caller_number)}, "
            f"received {_local(m.received_at, zone)}, due {_local(m.due_at, zone)}, "
            f"{m.state}, {m.attempts} attempt(s)"
        )
    lines += ["", "The recordings are in the call center's tools (never sent by e-mail)."]
    return f"Messages not yet returned: {len(messages)} ({day.isoformat()})", "\n".join(lines)


def shown_number(number: str | None) -> str:
    """608-555-0143 for a number that can be called back; anything else a caller sent as
    their number (nine digits could be anyone's SSN) is not written out."""
    dialled = normalize(number) if number else None
    if dialled is None:
        return "not a number to call back" if number else "unknown"
    return written(dialled)


def _local(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%a %Y-%m-%d %H:%M")


def unreachable_after(attempts: int, max_attempts: int, state: State) -> bool:
    """The policy's last failed attempt makes an open message unreachable."""
    return state in OPEN_STATES and attempts >= max_attempts


def back_from_returning(before: State, attempts: int) -> State:
    """Where a message goes when the agent did not answer their own phone (nobody was dialled):
    back to where it was, unless an earlier attempt reached the caller's phone (then it stays
    being returned)."""
    if attempts > 0 or before not in ("new", "heard"):
        return "returning"
    return before


# What ends a return call started: an attempt recorded (any result), the message closed.
_RETURN_ENDED = frozenset({"attempt", "returned", "unreachable", "return_interrupted"})


def interrupted_from(actions: Sequence[ActionRow]) -> State | None:
    """The state a message was in before a return call that never ended (a restart cut it
    off: its last `return_started` has nothing after it that ends it), else None."""
    started = None
    for action in actions:
        if action.action == "return_started":
            started = action
        elif action.action in _RETURN_ENDED:
            started = None
    if started is None:
        return None
    before = started.details.get("from")
    return next((s for s in OPEN_STATES if s == before), "heard")
