"""Returning a message: the agent's phone rings, the caller is dialled, and every attempt is
recorded where the standard wants it.

Each attempt to reach the caller is a contact: a failed one (no answer, busy, failed) is logged
whole at once (`WrapupService.failed_attempt`); an answered one is a conversation like an
inbound call, with a wrap-up owed once it ends. On the message, each attempt is an `attempt`
action; its state moves new/heard -> returning (the call is asked for) -> returned (the caller
answered) or unreachable (after `returns.max_attempts` failed attempts). An agent who does not
answer their own phone is noted (an `attempt` action, result `agent_not_reached`), is no
attempt to reach the caller, and puts the message back where it was.

One return call at a time per message: a second one asked for while the first is under way is
refused (the dialer holds each reference until its outcome is recorded).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any, Literal

import structlog

from ccc_telephony.config.agents import RosterAgent
from ccc_telephony.config.policy import Policy
from ccc_telephony.live.feed import Audience
from ccc_telephony.messages.access import may_handle
from ccc_telephony.messages.book import SYSTEM, MessageBook, brief
from ccc_telephony.returns import rules
from ccc_telephony.returns.contacts import ReturnContacts
from ccc_telephony.returns.dialer import Attempt, Outcome, ReturnDialer, dialable
from ccc_telephony.store.messages import OPEN_STATES, MessageRow, State
from ccc_telephony.web.auth import Principal

log = structlog.get_logger(__name__)

Roster = Callable[[], Mapping[str, RosterAgent]]
Delegates = Callable[[str], Collection[str]]
Publish = Callable[[str, Mapping[str, Any], Audience], int]
REFERENCE = "message:"
Closed = Literal["returned", "unreachable"]
_NEW: tuple[State, ...] = ("new",)
_RETURNING: tuple[State, ...] = ("returning",)


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
        contacts: ReturnContacts,
        policy: Policy,
        roster: Roster,
        publish: Publish,
        delegates: Delegates = no_delegates,
    ) -> None:
        self.book = book
        self._dialer = dialer
        self._contacts = contacts
        self._policy = policy
        self._roster = roster
        self._publish = publish
        # Set by the mailboxes feature: whom a supervisor delegated a mailbox to.
        self.delegates = delegates
        # Where each return call under way found its message (attempt tag -> state): an agent
        # who does not answer their phone puts it back there.
        self._before: dict[str, State] = {}

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
        for a caller whose number cannot be called back; CallUnderWay while another return
        call of the message is."""
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
        self._before[attempt.tag] = row.state
        await self.book.mark(
            row.id,
            who=principal.who,
            action="return_started",
            state="returning",
            details={"agent": agent, "attempt": attempt.tag},
            only_from=OPEN_STATES,  # not over an outcome recorded meanwhile
        )
        return attempt

    async def _on_outcome(self, attempt: Attempt, outcome: Outcome | None) -> None:
        message_id = int(attempt.reference.removeprefix(REFERENCE))
        before = self._before.pop(attempt.tag, "heard")
        if outcome is None:
            await self._not_reached(message_id, attempt, before)
        elif outcome.answered:
            await self._answered(message_id, attempt.agent_id, outcome)
        else:
            await self._failed(message_id, attempt.agent_id, outcome)

    async def _not_reached(self, message_id: int, attempt: Attempt, before: State) -> None:
        """The agent did not answer their own phone: nobody was dialled, nothing is counted;
        the message goes back where it was (it is still to be returned)."""
        current = await self.book.get(message_id)
        back = rules.back_from_returning(before, current.attempts if current else 0)
        details = {"agent": attempt.agent_id, "result": "agent_not_reached", "attempt": attempt.tag}
        row = await self.book.mark(
            message_id,
            who=attempt.agent_id,
            action="attempt",
            state=back,
            details=details,
            only_from=_RETURNING,
        )
        if row is None:  # closed meanwhile (marked returned by hand): only the action
            await self.book.record_action(
                message_id, who=attempt.agent_id, action="attempt", details=details
            )
            return
        self._publish(
            "message_return_attempt",
            brief(row) | {"result": "agent_not_reached", "agent": attempt.agent_id},
            self.book.audience(row),
        )

    async def _answered(self, message_id: int, agent: str, outcome: Outcome) -> None:
        await self._contacts.answered(agent, outcome)
        if await self._attempted(message_id, agent, outcome) is not None:
            row = await self.book.mark(
                message_id,
                who=agent,
                action="returned",
                state="returned",
                details={"attempt": outcome.channel_id},
            )
            self._tell(row, agent, outcome)

    async def _failed(self, message_id: int, agent: str, outcome: Outcome) -> None:
        await self._contacts.failed(agent, outcome)
        row = await self._attempted(message_id, agent, outcome)
        max_attempts = self._policy.returns.max_attempts
        if row is not None and rules.unreachable_after(row.attempts, max_attempts, row.state):
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
        await self._contacts.settled()
