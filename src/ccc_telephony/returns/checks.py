"""The day's check and the pre-due flag: a broken promise is made visible before it is broken.

End of day (`returns.day_check`, local time, on business days only: no check on a weekend or a
holiday): each supervisor gets the list of their staff's messages not yet returned (and the
after-hours messages of their team's queue nobody took; a message whose people left the roster
goes to its queue's team's supervisors): live event `messages_unreturned` and an e-mail. The
e-mail holds what a supervisor needs to give staff the time to return them (mailbox, owner,
the caller's number, received, due, state, attempts): never an SSN, never the recording.

Each list is sent once per day and supervisor, whatever happens meanwhile: it is posted to the
mail outbox (PostgreSQL) under that day and supervisor, so a restart after the check's time
sends no second list, and an SMTP server that is away has the e-mail retried at each run of
the job until it goes. A database that is away fails the run before anything is sent; the
next run (a minute later) does it all.

Pre-due: a message still open `returns.warn_before_minutes` before its due time is flagged once
(`warned_at`, set only where it is still empty, with action `warned`): live event
`message_due_soon` to its owner and their unit.

Both run as one background job on the service's clock; tests call `day_check`, `warn_due` and
`step` after moving the clock.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import structlog

from ccc_telephony.config.agents import RosterAgent
from ccc_telephony.config.policy import Policy
from ccc_telephony.hours.workdays import Workdays
from ccc_telephony.live.feed import Audience
from ccc_telephony.messages.book import MessageBook
from ccc_telephony.outbox import Outbox
from ccc_telephony.returns import rules
from ccc_telephony.store.messages import MessageRow

log = structlog.get_logger(__name__)

Roster = Callable[[], Mapping[str, RosterAgent]]
Publish = Callable[[str, Mapping[str, Any], Audience], int]
CHECK_EVERY_SECONDS = 60.0
# The outbox's kind for the supervisors' lists (key: "<day>:<supervisor>").
DAY_LIST = "messages_day_list"


@dataclass(frozen=True, slots=True)
class SupervisorList:
    """One supervisor's end-of-day list, and whether its e-mail went (at this try)."""

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
        outbox: Outbox,
    ) -> None:
        self._book = book
        self._policy = policy
        self._roster = roster
        self._publish = publish
        self._outbox = outbox
        self._workdays = Workdays(policy)
        # The last day whose lists were all posted by this process: spares the database a
        # look each minute; the outbox says it for good.
        self._posted_on: date | None = None

    async def step(self) -> None:
        """The job's step: the pre-due flags, the day's lists once their time has come, and
        the lists' e-mails the SMTP server did not take yet."""
        await self.warn_due()
        day = rules.check_day(
            self._book.now(), self._policy.zone, self._workdays, self._policy.returns.day_check
        )
        if day is not None and day != self._posted_on:
            await self.day_check()
        await self._outbox.flush([DAY_LIST])

    # --- end of day -------------------------------------------------------------------------
    async def day_check(self) -> list[SupervisorList]:
        """Post every supervisor their list of today (those with nothing open get none), the
        ones posted already (an earlier run, before a restart) not again."""
        day = self._book.now().astimezone(self._policy.zone).date()
        open_ = await self._book.unreturned(None)
        roster = self._roster()
        lists = []
        for head_id, messages in rules.lists_of(
            open_, roster, self._policy.agents.team_queues
        ).items():
            sent = await self._send(roster[head_id], messages, day)
            if sent is not None:
                lists.append(sent)
        self._posted_on = day
        log.info("day's check", day=day.isoformat(), supervisors=len(lists), messages=len(open_))
        return lists

    async def _send(
        self, head: RosterAgent, messages: list[MessageRow], day: date
    ) -> SupervisorList | None:
        subject, body = rules.day_notice(head, messages, self._roster(), day, self._policy.zone)
        posted = await self._outbox.post(
            DAY_LIST,
            f"{day.isoformat()}:{head.id}",
            to=[head.email] if head.email else [],
            subject=subject,
            body=body,
        )
        if not posted.new:
            return None
        self._publish(
            "messages_unreturned",
            {
                "supervisor": head.id,
                "day": day.isoformat(),
                "messages": [self._book.brief(m) for m in messages],
            },
            Audience.people(head.id),
        )
        return SupervisorList(head.id, messages, posted.mailed)

    # --- pre-due ----------------------------------------------------------------------------
    async def warn_due(self) -> list[MessageRow]:
        """Flag (once) every open message due within the warning time."""
        now = self._book.now()
        soon = rules.warn_from(now, self._policy.returns.warn_before_minutes)
        flagged = []
        for row in await self._book.unreturned(None, due_before=soon):
            if row.warned_at is not None:
                continue
            marked = await self._book.warn(row.id, details={"due_at": row.due_at.isoformat()})
            if marked is not None:
                self._publish(
                    "message_due_soon", self._book.brief(marked), self._book.audience(marked)
                )
                flagged.append(marked)
        return flagged
