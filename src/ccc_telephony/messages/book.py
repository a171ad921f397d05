"""The message book: every message left for a person to return, with when it is due back.

The mailboxes feature (and the IVR after hours) `take`s messages; return calls and the day's
check move them on with `mark`. Every change is one state update plus one action row, and then
`on_change` runs for the mailbox (its phone's message-waiting light).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.config.agents import RosterAgent
from ccc_telephony.config.policy import Policy
from ccc_telephony.hours.workdays import Workdays
from ccc_telephony.jobs import Later
from ccc_telephony.live.feed import Audience
from ccc_telephony.messages.access import queue_heads
from ccc_telephony.store import messages as store
from ccc_telephony.store.events import CallEvent
from ccc_telephony.store.messages import (
    OPEN_STATES,
    MessageQuery,
    MessageRow,
    NewMessage,
    Source,
    State,
)

log = structlog.get_logger(__name__)

Roster = Callable[[], Mapping[str, RosterAgent]]
Publish = Callable[[str, Mapping[str, Any], Audience], int]
MailboxChanged = Callable[[str], Awaitable[None]]
SYSTEM = "system"
# The IVR's event for a message left on the main number after hours (store/projection.py).
AFTER_HOURS_EVENT = "message_recorded"


@dataclass(frozen=True, slots=True)
class MessageCounts:
    """For the message-waiting light: `new` not yet heard; `old` heard, not yet returned."""

    new: int
    old: int


async def _nothing(_mailbox: str) -> None:
    return None


class MessageBook:
    def __init__(
        self,
        *,
        engine: AsyncEngine,
        clock: Callable[[], datetime],
        policy: Policy,
        roster: Roster,
        publish: Publish,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._policy = policy
        self._roster = roster
        self._publish = publish
        self.workdays = Workdays(policy)
        # Set by the mailboxes feature: refresh the mailbox's message-waiting light.
        self.on_change: MailboxChanged = _nothing
        self._later = Later("after-hours message told")

    def now(self) -> datetime:
        return self._clock()

    def brief(self, row: MessageRow) -> dict[str, Any]:
        """`brief(row)` as of the service's clock (`overdue` decided)."""
        return brief(row, now=self.now())

    async def take(
        self,
        *,
        source: Source,
        call_id: str,
        recording: str,
        language: str,
        mailbox: str | None = None,
        owner: str | None = None,
        queue: str | None = None,
        caller_number: str | None = None,
        case_number: str | None = None,
        duration_seconds: float | Decimal | None = None,
        received_at: datetime | None = None,
    ) -> MessageRow:
        """Store a message due back by the policy's rule for its source. A mailbox message's
        owner defaults to the mailbox's agent; an after-hours one has none until taken."""
        if source == "mailbox" and mailbox is None:
            raise ValueError("a mailbox message needs its mailbox")
        received = received_at or self.now()
        owner = owner if owner is not None else mailbox
        new = NewMessage(
            source=source,
            mailbox=mailbox,
            queue=queue,
            owner=owner,
            call_id=call_id,
            caller_number=store.kept_number(caller_number),
            language=language,
            case_number=self._case_number(case_number),
            received_at=received,
            duration_seconds=None if duration_seconds is None else Decimal(str(duration_seconds)),
            recording=recording,
            due_at=self._due(source, owner, received),
        )
        row = await store.add(self._engine, new, who=SYSTEM)
        await self._left(row)
        return row

    def on_events_stored(self, events: Sequence[CallEvent]) -> None:
        """The event writer's listener: a message left after hours is stored by the call-event
        projection (so that it survives a database outage in the event spool); once it is,
        it is told live like every message left. Replayed events are not told again."""
        for event in events:
            recording = event.details.get("recording")
            if event.name == AFTER_HOURS_EVENT and isinstance(recording, str):
                self._later(self._stored_after_hours(event.call_id, recording))

    async def _stored_after_hours(self, call_id: str, recording: str) -> None:
        row = await store.by_recording(self._engine, call_id, recording)
        if row is not None:
            await self._left(row)

    async def _left(self, row: MessageRow) -> None:
        """Every message left: logged (never its caller's number), told live, its light."""
        log.info(
            "message left", message=row.id, mailbox=row.mailbox, queue=row.queue, due=row.due_at
        )
        self._publish("message_left", self.brief(row), self.audience(row))
        if row.mailbox is not None:
            await self._changed(row.mailbox)

    async def settled(self) -> None:
        """Until the after-hours messages stored are told (a stopping service, a test)."""
        await self._later.settled()

    async def get(self, message_id: int) -> MessageRow | None:
        return await store.get(self._engine, message_id)

    async def find(self, query: MessageQuery) -> list[MessageRow]:
        return await store.find(self._engine, query)

    async def counts(self, mailbox: str) -> MessageCounts:
        found = await store.counts(self._engine, mailbox)
        return MessageCounts(
            new=found.get("new", 0), old=found.get("heard", 0) + found.get("returning", 0)
        )

    async def unreturned(
        self, owners: Collection[str] | None, *, due_before: datetime | None = None
    ) -> list[MessageRow]:
        """Every message of these owners (None: everyone's) not yet returned, oldest due
        first: the day's check and the pre-due flags see them all."""
        query = MessageQuery(owners=owners, states=OPEN_STATES, due_before=due_before)
        return await store.find(self._engine, query)

    async def mark(
        self,
        message_id: int,
        *,
        who: str,
        action: str,
        state: State | None = None,
        values: Mapping[str, Any] | None = None,
        details: Mapping[str, Any] | None = None,
        only_from: Collection[State] = (),
    ) -> MessageRow | None:
        """Change a message (its state and/or other columns) and record why, at once; None
        if there is no such message or it is not in `only_from`."""
        changes = dict(values or {})
        if state is not None:
            changes["state"] = state
        row = await store.change(
            self._engine,
            message_id,
            at=self.now(),
            who=who,
            action=action,
            values=changes,
            details=details or {},
            only_from=only_from,
        )
        if row is not None and row.mailbox is not None:
            await self._changed(row.mailbox)
        return row

    async def warn(self, message_id: int, *, details: Mapping[str, Any]) -> MessageRow | None:
        """The pre-due flag, set once (None if it was set already, or the message is closed):
        `warned_at` and the action `warned`."""
        return await store.change(
            self._engine,
            message_id,
            at=self.now(),
            who=SYSTEM,
            action="warned",
            values={"warned_at": self.now()},
            details=details,
            only_from=OPEN_STATES,
            only_unwarned=True,
        )

    async def record_action(
        self, message_id: int, *, who: str, action: str, details: Mapping[str, Any] | None = None
    ) -> None:
        """An action that changes nothing on the message: a listen, a warning sent."""
        await store.record_action(
            self._engine, message_id, at=self.now(), who=who, action=action, details=details or {}
        )

    async def actions(self, message_id: int) -> list[store.ActionRow]:
        return await store.actions(self._engine, message_id)

    def audience(self, row: MessageRow) -> Audience:
        """Who hears of a message: its owner and mailbox's agent with their unit's leads and
        supervisors; an after-hours one nobody took: the heads of its queue (access.py)."""
        people = {p for p in (row.owner, row.mailbox) if p}
        if people:
            return Audience(agents=frozenset(people), unit_of=frozenset(people))
        heads = queue_heads(row.queue, self._roster(), self._policy.agents.team_queues)
        return Audience.people(*(head.id for head in heads))

    # --- rules ---------------------------------------------------------------------------
    def _due(self, source: Source, owner: str | None, received: datetime) -> datetime:
        if source == "after_hours":
            return self.workdays.next_business_noon(received)
        # None (an owner no longer in the roster): the default shift.
        return self.workdays.same_workday_due(self._roster().get(owner or ""), received)

    def _case_number(self, case_number: str | None) -> str | None:
        """Only the policy's case-number shape is kept (an SSN never is)."""
        kept = store.kept_case_number(case_number)
        pattern = self._policy.caller_identification.case_number_pattern
        return kept if kept is not None and re.fullmatch(pattern, kept) else None

    async def _changed(self, mailbox: str) -> None:
        try:
            await self.on_change(mailbox)
        except Exception as exc:  # the light is a courtesy: the message is stored
            log.warning("mailbox light not updated", mailbox=mailbox, error=type(exc).__name__)


def brief(row: MessageRow, *, now: datetime | None = None) -> dict[str, Any]:
    """What a live event or a list says of a message: never its audio. `warned_at`: when the
    pre-due flag went; `overdue` (open and past its due time at `now`; null when no moment
    was given)."""
    overdue = None if now is None else (row.state in OPEN_STATES and row.due_at <= now)
    return {
        "id": row.id,
        "source": row.source,
        "mailbox": row.mailbox,
        "queue": row.queue,
        "owner": row.owner,
        "caller_number": row.caller_number,
        "language": row.language,
        "case_number": row.case_number,
        "received_at": row.received_at.isoformat(),
        "duration_seconds": None if row.duration_seconds is None else float(row.duration_seconds),
        "due_at": row.due_at.isoformat(),
        "state": row.state,
        "attempts": row.attempts,
        "warned_at": None if row.warned_at is None else row.warned_at.isoformat(),
        "overdue": overdue,
    }
