"""The mailboxes' rules, pure: which greeting a caller hears, what is flagged, who may manage
a mailbox, the order an agent hears and returns their messages, how an away date keyed on a
phone is read.

The standard: greetings are kept current (in office: when to expect a call back; away: the
return date and `#` to reach someone now); management can reach an absent employee's
mailbox; a departed employee's mailbox is answered until it is disconnected.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from ccc_telephony.config.agents import RosterAgent, supervisors_of
from ccc_telephony.config.returns import DialBack
from ccc_telephony.returns.dialer import DialerError, dialable
from ccc_telephony.store.mailboxes import MailboxRecord
from ccc_telephony.store.messages import MessageRow
from ccc_telephony.web.auth import Principal

GreetingKind = Literal["in_office", "away", "departed"]
Flag = Literal["missing_greeting", "away_passed"]
FLAGS: tuple[Flag, ...] = ("missing_greeting", "away_passed")


@dataclass(frozen=True, slots=True)
class GreetingPlan:
    """What a caller hears: the agent's recording if there is one (else the spoken text of
    `kind`), whether `#` reaches someone now, and the moment `{until}` says."""

    kind: GreetingKind
    recording: str | None
    offers_hash: bool
    until: datetime | None


def greeting_plan(mailbox: MailboxRecord, now: datetime) -> GreetingPlan | None:
    """None: the mailbox is disconnected (not in service)."""
    if mailbox.disconnected_at is not None:
        return None
    if not mailbox.active:
        kept = mailbox.greeting_in_office if mailbox.keep_greeting else None
        return GreetingPlan("departed", kept, offers_hash=False, until=None)
    if is_away(mailbox, now):
        return GreetingPlan(
            "away", mailbox.greeting_away, offers_hash=True, until=mailbox.away_until
        )
    return GreetingPlan("in_office", mailbox.greeting_in_office, offers_hash=False, until=None)


def is_away(mailbox: MailboxRecord, now: datetime) -> bool:
    return mailbox.away_until is not None and mailbox.away_until > now


def flag_of(mailbox: MailboxRecord, now: datetime) -> Flag | None:
    """What is wrong with a roster agent's greeting now, if anything: no in-office greeting
    recorded (callers hear the spoken one), or an away date that has passed (callers hear the
    in-office greeting, but the agent has not said they are back)."""
    if not mailbox.active or mailbox.disconnected_at is not None:
        return None
    if mailbox.away_until is not None and mailbox.away_until <= now:
        return "away_passed"
    if mailbox.greeting_in_office is None:
        return "missing_greeting"
    return None


def away_greeting_outdated(mailbox: MailboxRecord, until: datetime | None) -> bool:
    """Whether a new away date (None: back) retires the recorded away greeting: it was
    recorded for the previous date (before that date came), so it names a return the
    caller must no longer be told. One recorded after the previous date passed, or with no
    previous date (since the agent was last back), is for the coming absence and stays."""
    recorded, before = mailbox.greeting_away_at, mailbox.away_until
    if mailbox.greeting_away is None or before is None or until == before:
        return False
    return recorded is None or recorded < before


def owner_of(mailbox: MailboxRecord, roster: Mapping[str, RosterAgent]) -> str | None:
    """Who returns a new message: the agent; a departed agent's supervisor (None: nobody
    named, the message is owned by the mailbox and its unit's supervisors see it)."""
    if mailbox.active:
        return mailbox.id
    heads = supervisors_of(mailbox.agent, roster)
    return heads[0].id if heads else None


def managers_of(mailbox: MailboxRecord, roster: Mapping[str, RosterAgent]) -> frozenset[str]:
    """The mailbox's supervisors (who may name delegates)."""
    return frozenset(head.id for head in supervisors_of(mailbox.agent, roster))


def may_manage(
    principal: Principal,
    mailbox: MailboxRecord,
    roster: Mapping[str, RosterAgent],
    delegates: Collection[str],
) -> bool:
    """List, listen to and take over a mailbox's messages: the admin, the mailbox's
    supervisors and the delegates they named."""
    if principal.is_admin:
        return True
    me = principal.agent_id
    return me is not None and (me in managers_of(mailbox, roster) or me in delegates)


def may_set_greeting(
    principal: Principal, mailbox: MailboxRecord, roster: Mapping[str, RosterAgent]
) -> bool:
    """Greetings and the away status: the agent themself, their supervisors, the admin."""
    if principal.is_admin or principal.agent_id == mailbox.id:
        return True
    return principal.agent_id in managers_of(mailbox, roster)


def hearing_order(rows: Collection[MessageRow]) -> list[MessageRow]:
    """The order an agent hears the messages they must return: new ones first, each group
    oldest first."""
    return sorted(rows, key=lambda row: (row.state != "new", row.received_at, row.id))


def oldest_to_call_back(rows: Collection[MessageRow], dial_back: DialBack) -> MessageRow | None:
    """The oldest message whose caller can be called back (an anonymous caller's, or a number
    the center never dials, is returned by hand), or None."""
    for row in sorted(rows, key=lambda row: (row.received_at, row.id)):
        try:
            dialable(row.caller_number, dial_back)
        except DialerError:
            continue
        return row
    return None


def parse_away(keyed: str, now: datetime, zone: ZoneInfo) -> datetime | None:
    """MMDDHHMM keyed on a phone (24-hour clock, local time) as the next such moment after
    `now` (December keyed in January is this year's, January keyed in December next
    year's); None if it is not a real moment or more than a year ahead."""
    if len(keyed) != 8 or not keyed.isdecimal():
        return None
    month, day, hour, minute = (int(keyed[i : i + 2]) for i in range(0, 8, 2))
    local = now.astimezone(zone)
    for year in (local.year, local.year + 1):
        try:
            moment = datetime(year, month, day, hour, minute, tzinfo=zone)
        except ValueError:
            return None
        if moment > now:
            return moment if moment - now <= timedelta(days=366) else None
    return None
