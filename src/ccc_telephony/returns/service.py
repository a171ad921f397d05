"""Returning a message: the agent's phone rings, the caller is dialled, and every attempt is
recorded where the standard wants it.

Each attempt to reach the caller is a contact: a failed one (no answer, busy, failed) is logged
whole at once (`WrapupService.failed_attempt`); an answered one is a conversation like an
inbound call, with a wrap-up owed once it ends. On the message, each attempt is an `attempt`
action; its state moves new/heard -> returning (the call is asked for) -> returned (the caller
answered) or unreachable (after `returns.max_attempts` failed attempts). An agent who does not
answer their own phone, or hangs up while the caller's phone rings, is noted (an `attempt`
action, result `agent_not_reached` or `agent_hung_up`), is no attempt to reach the caller, and
puts the message back where it was.

The message is marked `returning` (action `return_started`, with the state it came `from`)
before the dial starts, so no outcome can come before it. One return call at a time per
message: a second one asked for while the first is under way is refused. A return call cut off
by a restart of the service (marked `returning`, never attempted) is put back where it was at
start-up (`recover`: action `return_interrupted`).

Taking a message over (`take_over`) makes someone its owner: how an after-hours message, which
nobody owns until then, becomes a person's to return.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any, Literal

import structlog

from ccc_telephony.config.agents import RosterAgent
from ccc_telephony.config.policy import Policy
from ccc_telephony.live.feed import Audience
from ccc_telephony.messages.access import may_handle, reach_of
from ccc_telephony.messages.book import SYSTEM, MessageBook
from ccc_telephony.returns import rules
from ccc_telephony.returns.contacts import ReturnContacts
from ccc_telephony.returns.dialer import (
    Attempt,
    CallUnderWay,
    DialerError,
    Outcome,
    ReturnDialer,
    dialable,
)
from ccc_telephony.store.messages import OPEN_STATES, MessageQuery, MessageRow, Reach, State
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

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        if status is not None:
            self.status = status


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
        # The messages with a return call under way, and the state each was in before it: an
        # agent who does not answer their phone puts it back there.
        self._under_way: dict[int, State] = {}

    # --- who may ----------------------------------------------------------------------------
    def may_handle(self, principal: Principal, row: MessageRow) -> bool:
        delegates = self.delegates(row.mailbox) if row.mailbox else ()
        return may_handle(principal, row, self._roster(), delegates=delegates, policy=self._policy)

    def reach(self, principal: Principal) -> Reach | None:
        """The messages `principal` may handle, for a list (None: all of them)."""
        return reach_of(principal, self._roster(), self._policy)

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
        dialable(row.caller_number, self._policy.returns.dial_back)
        if row.id in self._under_way:
            raise CallUnderWay("a call back for this is under way already")
        self._under_way[row.id] = row.state
        try:
            return await self._dial(principal, row, agent)
        except BaseException:
            self._under_way.pop(row.id, None)
            raise

    async def _dial(self, principal: Principal, row: MessageRow, agent: str) -> Attempt:
        """Marked returning first (no outcome can come before it), then the agent's phone
        rings; a call the dialer could not place puts the message back."""
        marked = await self.book.mark(
            row.id,
            who=principal.who,
            action="return_started",
            state="returning",
            details={"agent": agent, "from": row.state},
            only_from=OPEN_STATES,  # not over a change by hand meanwhile
        )
        if marked is None:
            raise ReturnError(f"message {row.id} was closed meanwhile")
        try:
            return await self._dialer.call_back(
                agent,
                row.caller_number or "",
                reference=f"{REFERENCE}{row.id}",
                language=row.language,
                on_outcome=self._on_outcome,
            )
        except DialerError as exc:
            why = {"result": "not_placed", "why": str(exc)}
            await self._put_back(row.id, agent, row.state, why)
            raise

    async def _on_outcome(self, attempt: Attempt, outcome: Outcome | None) -> None:
        message_id = int(attempt.reference.removeprefix(REFERENCE))
        before = self._under_way.get(message_id, "heard")
        try:
            if outcome is None or outcome.agent_left:
                await self._not_reached(message_id, attempt, before, outcome)
            elif outcome.answered:
                await self._answered(message_id, attempt.agent_id, outcome)
            else:
                await self._failed(message_id, attempt.agent_id, outcome)
        finally:
            self._under_way.pop(message_id, None)

    async def _not_reached(
        self, message_id: int, attempt: Attempt, before: State, outcome: Outcome | None
    ) -> None:
        """The agent did not answer their own phone (nobody was dialled), or hung up while the
        caller's rang: nothing is counted; the message goes back where it was (it is still
        to be returned)."""
        result = "agent_not_reached" if outcome is None else "agent_hung_up"
        details = {"agent": attempt.agent_id, "result": result, "attempt": attempt.tag}
        row = await self._put_back(message_id, attempt.agent_id, before, details)
        if row is not None:
            self._publish(
                "message_return_attempt",
                self.book.brief(row) | {"result": result, "agent": attempt.agent_id},
                self.book.audience(row),
            )

    async def _put_back(
        self, message_id: int, who: str, before: State, details: Mapping[str, str]
    ) -> MessageRow | None:
        """A return call that reached nobody: an `attempt` action, the message back where it
        was (None if it was closed meanwhile, e.g. marked returned by hand: the action only)."""
        current = await self.book.get(message_id)
        back = rules.back_from_returning(before, current.attempts if current else 0)
        row = await self.book.mark(
            message_id, who=who, action="attempt", state=back, details=details, only_from=_RETURNING
        )
        if row is None:
            await self.book.record_action(message_id, who=who, action="attempt", details=details)
        return row

    async def recover(self) -> list[MessageRow]:
        """At start-up: a message left `returning` by a return call the restart cut off (its
        last `return_started` has no attempt after it) goes back to the state it came from,
        with the action `return_interrupted`. Those with a call under way in this process are
        left alone."""
        put_back = []
        for row in await self.book.find(MessageQuery(states=_RETURNING)):
            if row.id in self._under_way:
                continue
            before = rules.interrupted_from(await self.book.actions(row.id))
            if before is None:
                continue
            marked = await self.book.mark(
                row.id,
                who=SYSTEM,
                action="return_interrupted",
                state=rules.back_from_returning(before, row.attempts),
                details={"why": "the service restarted during the return call"},
                only_from=_RETURNING,
            )
            if marked is not None:
                put_back.append(marked)
        if put_back:
            log.info("return calls cut off by a restart put back", messages=len(put_back))
        return put_back

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
                self.book.brief(row) | {"result": outcome.result, "agent": agent},
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

    async def take_over(
        self, principal: Principal, message_id: int, *, agent_id: str | None = None
    ) -> MessageRow:
        """Make `agent_id` (by default the principal) the one who returns the message: an
        after-hours message nobody owned, or an absent colleague's. Who may handle it may take
        it; naming someone else is for the admin, or a supervisor for one of their staff."""
        row = await self.handled(principal, message_id)
        agent = agent_id or principal.agent_id
        if agent is None:
            raise ReturnError("who takes it over? give the agent")
        if agent not in self._roster():
            raise ReturnError(f"{agent} is not in the roster", status=422)
        reach = self.reach(principal)
        if agent != principal.agent_id and reach is not None and agent not in reach.people:
            raise NotAllowed("only the admin, or a supervisor for their own staff, names another")
        if row.owner == agent:
            raise ReturnError(f"message {message_id} is {agent}'s already")
        changed = await self.book.mark(
            row.id,
            who=principal.who,
            action="taken_over",
            values={"owner": agent},
            only_from=OPEN_STATES,
            details={"from": row.owner or "", "to": agent},
        )
        if changed is None:
            raise ReturnError(f"message {message_id} is {row.state} already")
        self._publish(
            "message_taken_over",
            self.book.brief(changed) | {"from": row.owner},
            self.book.audience(changed),
        )
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
