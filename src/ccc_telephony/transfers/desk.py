"""The transfer desk: every caller an agent blind-transfers (SIP REFER, a feature code) comes
here in Stasis (`ccc-transfer` in the dialplan) before going anywhere. The desk decides with
`destinations.classify`, says what it must to the caller in their language, records the
attempt, and hands the caller on to the dialplan: the target queue (ahead of new callers), the
target agent's phone, the outbound route, or back to the agent who transferred them.

Events (on the caller's call): `transfer_requested`, then `transfer_completed` (handed to the
target: waiting in its queue, or its phone ringing) or `transfer_failed` (why) or
`transfer_blocked` (another consortium's number: the caller was given that consortium's number
and is back with the agent); a caller brought to the Help queue is also `escalated`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ccc_telephony.asterisk.ari.channel import StasisChannel
from ccc_telephony.asterisk.ari.dispatcher import CallHandler
from ccc_telephony.config.policy import Policy
from ccc_telephony.transfers.context import (
    OUTBOUND_CONTEXT,
    QUEUE_CONTEXT,
    TARGET_VARIABLE,
    TransferContext,
    number_prompts,
)
from ccc_telephony.transfers.destinations import (
    Blocked,
    Denied,
    Destination,
    Outside,
    ToAgent,
    ToQueue,
)

HANDLER = "transfer"
RETURN_CONTEXT = "ccc-agent-return"
DIRECT_CONTEXT = "ccc-agent-direct"
LOST_CONTEXT = "ccc-transfer-lost"
KINDS = frozenset({"blind", "code", "api"})
REASONS = frozenset({"caller_request", "worker_requested", "supervisor"})


@dataclass(frozen=True, slots=True)
class Request:
    """A blind transfer as the dialplan handed it over (its Stasis arguments)."""

    from_extension: str | None
    kind: str
    language: str
    queue: str | None
    reason: str = "caller_request"  # why a caller is brought to the Help lead

    @classmethod
    def from_args(cls, args: list[str], policy: Policy) -> Request:
        _, transferer, kind, language, queue, reason, *_ = [*args, "", "", "", "", "", ""]
        tech, _, extension = transferer.partition("/")
        codes = {lang.code for lang in policy.languages}
        return cls(
            from_extension=extension if tech == "PJSIP" and extension.isdigit() else None,
            kind=kind if kind in KINDS else "blind",
            language=language if language in codes else policy.languages[0].code,
            queue=queue if queue in policy.queues else None,
            reason=reason if reason in REASONS else "caller_request",
        )


class TransferDesk:
    def __init__(self, ctx: TransferContext) -> None:
        self.ctx = ctx

    def handlers(self) -> dict[str, CallHandler]:
        return {HANDLER: self.arrived}

    async def arrived(self, channel: StasisChannel) -> None:
        request = Request.from_args(channel.args, self.ctx.policy)
        target = await channel.variable(TARGET_VARIABLE)
        transfer = Transfer(self.ctx, channel, request, started=self.ctx.clock())
        await transfer.route(target)


class Transfer:
    """One attempt, from the caller's arrival at the desk to their hand-off."""

    def __init__(
        self,
        ctx: TransferContext,
        channel: StasisChannel,
        request: Request,
        *,
        started: datetime,
    ) -> None:
        self.ctx = ctx
        self.channel = channel
        self.request = request
        self.started = started
        ext = request.from_extension
        self.from_agent = ctx.staff.agent_at(ext) if ext else None

    def emit(self, name: str, **details: Any) -> None:
        self.ctx.emit(
            self.channel.id,
            name,
            {"from_agent": self.from_agent, "kind": self.request.kind, **details},
        )

    async def route(self, target: str) -> None:
        destination = self.ctx.destination(target)
        self.emit("transfer_requested", target=target[:80], destination=_kind(destination))
        match destination:
            case ToQueue(queue):
                await self.to_queue(queue)
            case ToAgent(agent_id, extension):
                await self.to_agent(agent_id, extension)
            case Blocked():
                await self.blocked(destination)
            case Outside(number):
                await self.to_outside(number)
            case Denied(target=denied, reason=reason):
                await self.refused(reason, target=denied, notice="agent_transfer_not_allowed")

    # --- where the caller goes ---------------------------------------------------------------
    async def to_queue(self, queue: str) -> None:
        help_queue = self.ctx.policy.agents.help_queue
        if queue == help_queue and not self.ctx.help_line_takes(escalation=True):
            await self.refused("help_line_closed", target=queue, notice="agent_help_closed")
            return
        await self._say("transfer_advisory")
        await self.channel.set_variables({"QUEUE_PRIO": str(self.ctx.policy.transfers.priority)})
        if queue == help_queue:
            self._escalated(target=queue, from_lead=None)
        self._completed(queue)
        await self.channel.continue_to(QUEUE_CONTEXT, queue)

    async def to_agent(self, agent_id: str, extension: str) -> None:
        if not self.ctx.staff.logged_in(agent_id):
            await self.refused(
                "agent_logged_out", target=agent_id, notice="agent_transfer_unavailable"
            )
            return
        await self._say("transfer_advisory")
        await self.channel.set_variables(
            {"CCC_DIRECT_TO": extension, **self._way_back("agent_transfer_unavailable")}
        )
        if self.request.reason == "supervisor":  # a lead's code: on to a supervisor
            self._escalated(target=agent_id, from_lead=self.from_agent)
        self._completed(agent_id)
        await self.channel.continue_to(DIRECT_CONTEXT, "s")

    async def to_outside(self, number: str) -> None:
        await self._say("transfer_advisory")
        await self.channel.set_variables(self._way_back("agent_transfer_unavailable"))
        self._completed(number)
        await self.channel.continue_to(OUTBOUND_CONTEXT, number)

    async def blocked(self, destination: Blocked) -> None:
        """The standard: never transferred to another consortium; given its number."""
        consortium = destination.consortium
        self.emit(
            "transfer_blocked",
            target=destination.number,
            consortium=consortium.id,
            path=self.request.kind,
        )
        await self._say("other_consortium", *number_prompts(consortium), "back_to_worker")
        await self._back_to_agent("agent_transfer_blocked")

    async def refused(self, reason: str, *, target: str, notice: str) -> None:
        self.emit("transfer_failed", target=target, reason=reason)
        await self._say("back_to_worker")
        await self._back_to_agent(notice)

    # --- helpers ------------------------------------------------------------------------------
    async def _back_to_agent(self, notice: str) -> None:
        """To the agent who transferred them, if they are free (they hear `notice` first);
        else to the front of the queue the caller came from."""
        agent = self.from_agent
        staff = self.ctx.staff
        if agent is None or not staff.logged_in(agent) or staff.caller_of(agent) is not None:
            await self.channel.set_variables(self._queue_variables())
            await self.channel.continue_to(LOST_CONTEXT, "s")
            return
        await self.channel.set_variables(self._way_back(notice))
        await self.channel.continue_to(RETURN_CONTEXT, "s")

    def _way_back(self, notice: str) -> dict[str, str]:
        """What the dialplan needs to give the caller back to the agent, and what the agent
        hears then: why, and that they have the caller again."""
        values = self._queue_variables()
        if self.request.from_extension and self.from_agent:
            values["CCC_RETURN_TO"] = self.request.from_extension
        values["CCC_AGENT_NOTICE"] = self.ctx.staff_sound(notice, "agent_caller_back")
        return values

    def _queue_variables(self) -> dict[str, str]:
        queue = self.request.queue or self.ctx.policy.operator_queue
        return {"CCC_QUEUE": queue}

    def _escalated(self, *, target: str, from_lead: str | None) -> None:
        self.emit(
            "escalated",
            escalation_id=str(uuid.uuid4()),
            agent=self.from_agent or "",
            target=target,
            reason=self.request.reason,
            from_lead=from_lead,
        )

    def _completed(self, target: str) -> None:
        waited = (self.ctx.clock() - self.started).total_seconds()
        self.emit("transfer_completed", target=target, wait_seconds=round(waited, 1))

    async def _say(self, *names: str) -> None:
        media = self.ctx.say_media(self.request.language, *names)
        await self.channel.play(media, interruptible=False)


_KINDS: Mapping[type, str] = {
    ToQueue: "queue",
    ToAgent: "agent",
    Blocked: "other_consortium",
    Outside: "outside",
    Denied: "denied",
}


def _kind(destination: Destination) -> str:
    return _KINDS[type(destination)]
