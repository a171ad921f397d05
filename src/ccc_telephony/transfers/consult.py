"""What an agent dials from their phone (`ccc-agent-dialing` in the dialplan): the Help line, a
colleague, a queue, an outside number. While the agent has a caller (on hold), such a call is
the consultation of an attended transfer: its REFER with Replaces later joins the two calls
without asking any dialplan, so this is the one place to refuse it. The same rules as for a
blind transfer apply; a refusal is said to the agent, and for another consortium's number the
caller on hold hears that consortium's name and number too (the standard: give the number,
never transfer).

Events go on the caller's call when there is one (`transfer_requested` kind `attended`,
`transfer_failed`, `transfer_blocked`, `escalated` for the Help line), else on the staff call.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import structlog

from ccc_telephony.asterisk.ari.channel import StasisChannel, phone_extension
from ccc_telephony.asterisk.ari.dispatcher import CallHandler
from ccc_telephony.transfers.context import (
    OUTBOUND_CONTEXT,
    QUEUE_CONTEXT,
    TARGET_VARIABLE,
    TransferContext,
    number_prompts,
)
from ccc_telephony.transfers.destinations import Blocked, Denied, Outside, ToAgent, ToQueue

log = structlog.get_logger(__name__)

HANDLER = "agent-dial"
CONSULT_CONTEXT = "ccc-agent-consult"
HELP_CONTEXT = "ccc-help-consult"


@dataclass(frozen=True, slots=True)
class Consultation:
    """An agent's call to the Help line while they hold a caller: an escalation."""

    consult_id: str  # the agent's new channel
    call_id: str  # the caller's call
    agent: str
    escalation_id: str


class Consultations:
    """The escalations under way, by the agent's consultation channel (in memory: they last a
    few minutes; after a restart the follow-up is still in the database)."""

    def __init__(self) -> None:
        self._by_consult: dict[str, Consultation] = {}

    def add(self, consultation: Consultation) -> None:
        self._by_consult[consultation.consult_id] = consultation

    def get(self, consult_id: str) -> Consultation | None:
        return self._by_consult.get(consult_id)

    def pop(self, consult_id: str) -> Consultation | None:
        return self._by_consult.pop(consult_id, None)


Follow = Callable[[Consultation], Awaitable[None]]
TellCaller = Callable[[str, str], Awaitable[None]]  # (call id, consortium id)


class AgentDialling:
    def __init__(
        self,
        ctx: TransferContext,
        consultations: Consultations,
        *,
        follow: Follow,
        tell_caller: TellCaller,
    ) -> None:
        """`follow(consultation)`: from its hand-off to the Help queue until it ends;
        `tell_caller(call, consortium)`: the held caller hears that consortium's number."""
        self.ctx = ctx
        self.consultations = consultations
        self.follow = follow
        self.tell_caller = tell_caller

    def handlers(self) -> dict[str, CallHandler]:
        return {HANDLER: self.dialled}

    async def dialled(self, channel: StasisChannel) -> None:
        extension = phone_extension(channel.name)
        agent = self.ctx.staff.agent_at(extension) if extension else None
        if agent is None:
            log.warning("a call dialled from a phone that is no agent's", call_id=channel.id)
            await channel.hangup()
            return
        target = await channel.variable(TARGET_VARIABLE)
        caller = self.ctx.staff.caller_of(agent)
        dialled = Dialled(self.ctx, self.consultations, channel, agent, caller, self.tell_caller)
        consultation = await dialled.route(target)
        if consultation is not None:
            await self.follow(consultation)


class Dialled:
    """One call an agent dialled, from its vetting to its hand-off or refusal."""

    def __init__(
        self,
        ctx: TransferContext,
        consultations: Consultations,
        channel: StasisChannel,
        agent: str,
        caller: str | None,
        tell_caller: TellCaller,
    ) -> None:
        self.ctx = ctx
        self.consultations = consultations
        self.channel = channel
        self.agent = agent
        self.caller = caller
        self.tell_caller = tell_caller

    def emit(self, name: str, **details: Any) -> None:
        kind = "attended" if self.caller else "staff_call"
        call_id = self.caller or self.channel.id
        self.ctx.emit(call_id, name, {"from_agent": self.agent, "kind": kind, **details})

    async def route(self, target: str) -> Consultation | None:
        """Where the call goes; the escalation it began, if it went to the Help lead."""
        destination = self.ctx.destination(target)
        if self.caller is not None:
            self.emit("transfer_requested", target=target[:80], consult=self.channel.id)
        match destination:
            case ToQueue(queue):
                return await self.to_queue(queue)
            case ToAgent(agent_id, extension):
                await self.to_agent(agent_id, extension)
            case Blocked():
                await self.blocked(destination)
            case Outside(number):
                await self.channel.set_variables({"CCC_CONSULT": "1"})
                await self.channel.continue_to(OUTBOUND_CONTEXT, number)
            case Denied(target=denied, reason=reason):
                await self.refused(reason, denied, "agent_transfer_not_allowed")
        return None

    async def to_queue(self, queue: str) -> Consultation | None:
        consultation = None
        if queue == self.ctx.policy.agents.help_queue:
            escalation = self.caller is not None
            if not self.ctx.help_line_takes(escalation=escalation):
                only_escalations = self.ctx.help_line_takes(escalation=True)
                notice = "agent_help_escalations_only" if only_escalations else "agent_help_closed"
                await self.refused("help_line_closed", queue, notice)
                return None
            if self.caller is not None:
                consultation = self.escalate(self.caller)
        if queue == self.ctx.policy.agents.help_queue:
            # The Help queue for at most the policy's wait; then the agent hears that no lead
            # answered (they still hold their caller).
            notice = self.ctx.staff_sound("agent_no_lead")
            await self.channel.set_variables({"CCC_CONSULT": "1", "CCC_AGENT_NOTICE": notice})
            await self.channel.continue_to(HELP_CONTEXT, "s")
            return consultation
        await self.channel.set_variables({"CCC_CONSULT": "1"})
        await self.channel.continue_to(QUEUE_CONTEXT, queue)
        return consultation

    def escalate(self, caller: str) -> Consultation:
        consultation = Consultation(
            consult_id=self.channel.id,
            call_id=caller,
            agent=self.agent,
            escalation_id=str(uuid.uuid4()),
        )
        self.consultations.add(consultation)
        self.emit(
            "escalated",
            escalation_id=consultation.escalation_id,
            agent=self.agent,
            target=self.ctx.policy.agents.help_queue,
            reason="caller_request",
            from_lead=None,
        )
        return consultation

    async def to_agent(self, agent_id: str, extension: str) -> None:
        if not self.ctx.staff.logged_in(agent_id):
            await self.refused("agent_logged_out", agent_id, "agent_transfer_unavailable")
            return
        await self.channel.set_variables(
            {
                "CCC_CONSULT": "1",
                "CCC_DIRECT_TO": extension,
                "CCC_AGENT_NOTICE": self.ctx.staff_sound("agent_transfer_unavailable"),
            }
        )
        await self.channel.continue_to(CONSULT_CONTEXT, "s")

    async def blocked(self, destination: Blocked) -> None:
        consortium = destination.consortium
        self.emit(
            "transfer_blocked",
            target=destination.number,
            consortium=consortium.id,
            path="attended" if self.caller else "dialled",
        )
        if self.caller is not None:
            await self.tell_caller(self.caller, consortium.id)
        await self.tell_agent("agent_transfer_blocked", *number_prompts(consortium))

    async def refused(self, reason: str, target: str, notice: str) -> None:
        self.emit("transfer_failed", target=target, reason=reason)
        await self.tell_agent(notice)

    async def tell_agent(self, *names: str) -> None:
        await self.channel.answer()
        language = self.ctx.policy.languages[0].code
        await self.channel.play(self.ctx.say_media(language, *names), interruptible=False)
        await self.channel.hangup()
