"""Returning a message: the agent's phone rings, the caller is dialled, and every attempt is
recorded where the standard wants it.

Each attempt to reach the caller is a contact: a failed one (no answer, busy, failed) is logged
whole at once (`WrapupService.failed_attempt`); an answered one is a conversation like an
inbound call, with a wrap-up owed once it ends. On the message, each attempt is an `attempt`
action; its state moves new/heard -> returning (the call is asked for) -> returned (the caller
answered) or unreachable (after `returns.max_attempts` failed attempts). An agent who does not
answer their own phone is noted, and is no attempt to reach the caller.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Mapping
from datetime import timedelta
from typing import Any, Literal

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.config.agents import RosterAgent
from ccc_telephony.config.policy import Policy
from ccc_telephony.live.feed import Audience
from ccc_telephony.messages.access import may_handle
from ccc_telephony.messages.book import SYSTEM, MessageBook, brief
from ccc_telephony.returns.dialer import Attempt, Outcome, ReturnDialer, dialable
from ccc_telephony.store import contacts
from ccc_telephony.store.messages import OPEN_STATES, MessageRow, State
from ccc_telephony.web.auth import Principal
from ccc_telephony.wrapups.service import WrapupService

log = structlog.get_logger(__name__)

Roster = Callable[[], Mapping[str, RosterAgent]]
Delegates = Callable[[str], Collection[str]]
Publish = Callable[[str, Mapping[str, Any], Audience], int]
REFERENCE = "message:"
Closed = Literal["returned", "unreachable"]
_NEW: tuple[State, ...] = ("new",)


class ReturnError(Exception):
    """Why a message cannot be returned or changed; `status` is the HTTP answer."""

    status = 409


class UnknownMessage(ReturnError):
    status = 404


class NotAllowed(ReturnError):
    status = 403


def no_delegates(_mailbox: str) -> Collection[str]:
    return ()


class ReturnCalls:
    def __init__(
        self,
        *,
        book: MessageBook,
        dialer: ReturnDialer,
        wrapups: WrapupService,
        engine: AsyncEngine,
        policy: Policy,
        roster: Roster,
        publish: Publish,
        delegates: Delegates = no_delegates,
    ) -> None:
        self.book = book
        self._dialer = dialer
        self._wrapups = wrapups
        self._engine = engine
        self._policy = policy
        self._roster = roster
        self._publish = publish
        # Set by the mailboxes feature: whom a supervisor delegated a mailbox to.
        self.delegates = delegates
        self._tasks: set[asyncio.Task[None]] = set()

    # --- who may ----------------------------------------------------------------------------
    def may_handle(self, principal: Principal, row: MessageRow) -> bool:
        delegates = self.delegates(row.mailbox) if row.mailbox else ()
        return may_handle(principal, row, self._roster(), delegates=delegates, policy=self._policy)

    async def handled(self, principal: Principal, message_id: int) -> MessageRow:
        """The message, if `principal` may handle it (else NotAllowed; UnknownMessage)."""
        row = await self.book.get(message_id)
        if row is None:
            raise UnknownMessage(f"no message {message_id}")
        if not self.may_handle(principal, row):
            raise NotAllowed("not your message, nor one of your staff's")
        return row

    # --- a return call ----------------------------------------------------------------------
    async def start(
        self, principal: Principal, message_id: int, *, agent_id: str | None = None
    ) -> Attempt:
        """Ring `agent_id`'s phone (by default the principal's own: only the admin rings
        someone else's), then dial the message's caller. NotDialable before anything changes
        for a caller whose number cannot be called back."""
        row = await self.handled(principal, message_id)
        if row.state not in OPEN_STATES:
            raise ReturnError(f"message {message_id} is {row.state} already")
        agent = agent_id or principal.agent_id
        if agent is None:
            raise ReturnError("whose phone? give the agent who returns the call")
        if agent != principal.agent_id and not principal.is_admin:
            raise NotAllowed("a return call rings your own phone")
        dialable(row.caller_number)
        attempt = await self._dialer.call_back(
            agent,
            row.caller_number or "",
            reference=f"{REFERENCE}{row.id}",
            language=row.language,
            on_outcome=self._on_outcome,
        )
        await self.book.mark(
            row.id,
            who=principal.who,
            action="return_started",
            state="returning",
            details={"agent": agent, "attempt": attempt.tag},
        )
        return attempt

    async def _on_outcome(self, attempt: Attempt, outcome: Outcome | None) -> None:
        message_id = int(attempt.reference.removeprefix(REFERENCE))
        if outcome is None:
            details = {"agent": attempt.agent_id, "result": "agent_not_reached"}
            await self.book.record_action(
                message_id, who=attempt.agent_id, action="attempt", details=details
            )
            return
        if outcome.answered:
            await self._answered(message_id, attempt.agent_id, outcome)
        else:
            await self._failed(message_id, attempt.agent_id, outcome)

    async def _answered(self, message_id: int, agent: str, outcome: Outcome) -> None:
        await contacts.return_call_answered(
            self._engine, call_id=outcome.channel_id, agent_id=agent, at=self.book.now()
        )
        if await self._attempted(message_id, agent, outcome) is not None:
            row = await self.book.mark(
                message_id,
                who=agent,
                action="returned",
                state="returned",
                details={"attempt": outcome.channel_id},
            )
            self._tell(row, agent, outcome)
        if outcome.ended is not None:
            self._later(self._call_over(agent, outcome, outcome.ended))

    async def _call_over(self, agent: str, outcome: Outcome, ended: asyncio.Future[str]) -> None:
        """When the conversation ends its wrap-up falls due, as for an inbound call."""
        await ended
        await contacts.return_call_ended(
            self._engine,
            call_id=outcome.channel_id,
            agent_id=agent,
            at=self.book.now(),
            due_after=timedelta(minutes=self._wrapups.policy.due_minutes),
        )

    async def _failed(self, message_id: int, agent: str, outcome: Outcome) -> None:
        result = "failed" if outcome.result == "answered" else outcome.result
        await self._wrapups.failed_attempt(
            agent_id=agent, call_id=outcome.channel_id, outcome=result, comment=outcome.reason
        )
        row = await self._attempted(message_id, agent, outcome)
        if row is not None and row.attempts >= self._policy.returns.max_attempts:
            row = await self.book.mark(
                message_id,
                who=SYSTEM,
                action="unreachable",
                state="unreachable",
                only_from=OPEN_STATES,
                details={"attempts": row.attempts},
            )
        self._tell(row, agent, outcome)

    async def _attempted(self, message_id: int, agent: str, outcome: Outcome) -> MessageRow | None:
        """One more attempt on the message, and its action."""
        current = await self.book.get(message_id)
        if current is None:
            return None
        details = {"agent": agent, "attempt": outcome.channel_id, "result": outcome.result}
        if outcome.cause is not None:
            details["cause"] = str(outcome.cause)
        return await self.book.mark(
            message_id,
            who=agent,
            action="attempt",
            values={"attempts": current.attempts + 1},
            details=details,
        )

    def _tell(self, row: MessageRow | None, agent: str, outcome: Outcome) -> None:
        """Live event `message_return_attempt`, once the message shows the attempt's effect."""
        if row is not None:
            self._publish(
                "message_return_attempt",
                brief(row) | {"result": outcome.result, "agent": agent},
                self.book.audience(row),
            )

    # --- by hand ----------------------------------------------------------------------------
    async def mark(
        self, principal: Principal, message_id: int, state: Closed, note: str | None
    ) -> MessageRow:
        """Returned or unreachable by hand (a call from another phone, a wrong number), with
        the note saying so."""
        row = await self.handled(principal, message_id)
        changed = await self.book.mark(
            row.id,
            who=principal.who,
            action=state,
            state=state,
            only_from=OPEN_STATES,
            details={"note": note or "", "by_hand": "yes"},
        )
        if changed is None:
            raise ReturnError(f"message {message_id} is {row.state} already")
        return changed

    async def listened(self, principal: Principal, row: MessageRow) -> None:
        """A read of the recording, audited; the owner's first listen marks it heard."""
        await self.book.record_action(row.id, who=principal.who, action="listened")
        if row.state == "new" and principal.agent_id == row.owner:
            await self.book.mark(
                row.id, who=principal.who, action="heard", state="heard", only_from=_NEW
            )

    async def settled(self) -> None:
        """Until the records of the return calls under way are written (their ends: a
        stopping service, a test)."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def _later(self, work: Any) -> None:
        async def run() -> None:
            try:
                await work
            except Exception:
                log.exception("return call record failed")

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
