"""The day's check and the pre-due flag: a broken promise is made visible before it is broken.

End of day (`returns.day_check`, local time, on business days): each supervisor gets the list of
their staff's messages not yet returned (and the after-hours messages of their team's queue
nobody took): live event `messages_unreturned` and an e-mail. The e-mail holds what a
supervisor needs to give staff the time to return them (mailbox, owner, the caller's number,
received, due, state, attempts): never an SSN (the Mailer refuses one), never the recording.

Pre-due: a message still open `returns.warn_before_minutes` before its due time is flagged once
(`warned_at`, action `warned`): live event `message_due_soon` to its owner and their unit.

Both run as one background job on the service's clock; tests call `day_check` and `warn_due`
after moving the clock.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import structlog

from ccc_telephony.config.agents import RosterAgent, supervisors_of
from ccc_telephony.config.policy import Policy
from ccc_telephony.hours.workdays import Workdays
from ccc_telephony.live.feed import Audience
from ccc_telephony.mail import Mailer
from ccc_telephony.messages.book import SYSTEM, MessageBook, brief
from ccc_telephony.store.messages import MessageRow

log = structlog.get_logger(__name__)

Roster = Callable[[], Mapping[str, RosterAgent]]
Publish = Callable[[str, Mapping[str, Any], Audience], int]
CHECK_EVERY_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class SupervisorList:
    """One supervisor's end-of-day list, and whether its e-mail went."""

    supervisor: str
    messages: list[MessageRow]
    mailed: bool


class DayCheck:
    def __init__(
        self,
        *,
        book: MessageBook,
        policy: Policy,
        roster: Roster,
        publish: Publish,
        mailer: Mailer,
    ) -> None:
        self._book = book
        self._policy = policy
        self._roster = roster
        self._publish = publish
        self._mailer = mailer
        self._workdays = Workdays(policy)
        self._checked_on: date | None = None  # the last day the list went out (this process)

    @property
    def _zone(self) -> ZoneInfo:
        return self._policy.zone

    async def step(self) -> None:
        """The job's step: the pre-due flags, and the day's list once its time has come."""
        await self.warn_due()
        now = self._book.now().astimezone(self._zone)
        if self._checked_on == now.date() or not self._workdays.is_business_day(now.date()):
            return
        if now.time() >= self._policy.returns.day_check:
            await self.day_check()

    # --- end of day -------------------------------------------------------------------------
    async def day_check(self) -> list[SupervisorList]:
        """Send every supervisor their list (those with nothing open get none)."""
        self._checked_on = self._book.now().astimezone(self._zone).date()
        open_ = await self._book.unreturned(None)
        roster = self._roster()
        lists = []
        for head in roster.values():
            if head.role != "supervisor":
                continue
            theirs = [m for m in open_ if self._answers_to(m, head, roster)]
            if theirs:
                lists.append(await self._send(head, theirs))
        log.info("day's check sent", supervisors=len(lists), messages=len(open_))
        return lists

    def _answers_to(
        self, message: MessageRow, head: RosterAgent, roster: Mapping[str, RosterAgent]
    ) -> bool:
        """A message of the supervisor's staff (its owner, or its mailbox's agent), or an
        after-hours one nobody took in their team's queue."""
        people = [roster[p] for p in (message.owner, message.mailbox) if p and p in roster]
        if any(head in supervisors_of(person, roster) for person in people):
            return True
        team_queue = self._policy.agents.team_queues.get(head.team)
        return message.owner is None and message.queue is not None and message.queue == team_queue

    async def _send(self, head: RosterAgent, messages: list[MessageRow]) -> SupervisorList:
        self._publish(
            "messages_unreturned",
            {"supervisor": head.id, "messages": [brief(m) for m in messages]},
            Audience.people(head.id),
        )
        subject, body = self.notice(head, messages)
        sent = await self._mailer.send([head.email] if head.email else [], subject, body)
        if not sent.ok:
            log.warning("day's check e-mail not sent", supervisor=head.id, why=sent.error)
        return SupervisorList(head.id, messages, sent.ok)

    def notice(self, head: RosterAgent, messages: list[MessageRow]) -> tuple[str, str]:
        """The e-mail's subject and body: one line per message, oldest due first."""
        day = self._book.now().astimezone(self._zone).date().isoformat()
        roster = self._roster()
        lines = [
            f"{head.name},",
            "",
            f"{len(messages)} message(s) of your staff are not yet returned ({day}).",
            "Each is due back the same workday; please give staff the time to return them.",
            "",
        ]
        for m in messages:
            known = roster.get(m.owner or "")
            owner = known.name if known is not None else (m.owner or "nobody yet")
            where = f"mailbox {m.mailbox}" if m.mailbox else f"after hours, queue {m.queue}"
            lines.append(
                f"- #{m.id} ({where}) for {owner}: caller {m.caller_number or 'unknown'}, "
                f"received {self._local(m.received_at)}, due {self._local(m.due_at)}, "
                f"{m.state}, {m.attempts} attempt(s)"
            )
        lines += ["", "The recordings are in the call center's tools (never sent by e-mail)."]
        return f"Messages not yet returned: {len(messages)} ({day})", "\n".join(lines)

    def _local(self, moment: datetime) -> str:
        return moment.astimezone(self._zone).strftime("%a %Y-%m-%d %H:%M")

    # --- pre-due ----------------------------------------------------------------------------
    async def warn_due(self) -> list[MessageRow]:
        """Flag (once) every open message due within the warning time."""
        now = self._book.now()
        soon = now + timedelta(minutes=self._policy.returns.warn_before_minutes)
        flagged = []
        for row in await self._book.unreturned(None, due_before=soon):
            if row.warned_at is not None:
                continue
            marked = await self._book.mark(
                row.id,
                who=SYSTEM,
                action="warned",
                values={"warned_at": now},
                details={"due_at": row.due_at.isoformat()},
            )
            if marked is not None:
                self._publish("message_due_soon", brief(marked), self._book.audience(marked))
                flagged.append(marked)
        return flagged
