"""app_queue's AMI events, turned into call events (agent_ringing, agent_answered, abandoned,
ring_no_answer, ...) and into agent states (Call Inbound while on a call, Not Ready after a
ring-no-answer). Caller-controlled fields of these events (caller ID) are never copied."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any

import structlog

from ccc_telephony.agents.service import AgentService
from ccc_telephony.asterisk.ami import QUEUE_EVENTS, Ami
from ccc_telephony.config.agents import RING_NO_ANSWER
from ccc_telephony.store.events import CallEvent

log = structlog.get_logger(__name__)

# How long after the caller's end app_queue's own AgentComplete may still come (it mostly
# comes at once; about 2 calls in 500 under load get none, bench/RESULTS.md).
UNREPORTED_GRACE = 3.0

EmitCall = Callable[[str, str, Mapping[str, Any]], None]


class QueueEvents:
    def __init__(self, agents: AgentService, emit_call: EmitCall) -> None:
        self._agents = agents
        self._emit = emit_call
        self._tasks: set[asyncio.Task[None]] = set()

    def register(self, ami: Ami) -> None:
        for name in QUEUE_EVENTS:
            ami.on_event(name, self._on_event)

    def _on_event(self, _manager: Any, message: Any) -> None:
        # Tasks start in arrival order and each agent's changes queue on its own lock, so an
        # agent's events are applied in the order Asterisk sent them.
        task = asyncio.get_running_loop().create_task(self.handle(dict(message.items())))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def handle(self, event: Mapping[str, str]) -> None:
        try:
            await self._handle(event)
        except Exception:
            log.exception("queue event failed", event_type=str(event.get("Event"))[:40])

    async def _handle(self, event: Mapping[str, str]) -> None:
        kind = event.get("Event", "")
        call_id = event.get("Uniqueid", "")
        queue = event.get("Queue", "")
        agent = self._agent_id(event)
        if not call_id:
            return  # every queue event names its caller's channel; one that does not is junk
        if kind == "QueueCallerJoin":
            self._emit(
                call_id, "queue_joined", {"queue": queue, "position": _int(event, "Position")}
            )
        elif kind == "QueueCallerAbandon":
            self._emit(
                call_id,
                "abandoned",
                {
                    "queue": queue,
                    "wait_seconds": _int(event, "HoldTime"),
                    "position": _int(event, "Position"),
                    "original_position": _int(event, "OriginalPosition"),
                },
            )
        elif agent is None:
            return
        elif kind == "AgentCalled":
            await self._close_unreported_call(agent, call_id, queue)
            self._emit(call_id, "agent_ringing", {"queue": queue, "agent": agent})
        elif kind == "AgentConnect":
            # The agent's state first, so whoever hears agent_answered sees Call Inbound.
            await self._agents.call_answered(agent, call_id)
            self._emit(
                call_id,
                "agent_answered",
                {
                    "queue": queue,
                    "agent": agent,
                    "wait_seconds": _int(event, "HoldTime"),
                    "ring_seconds": _int(event, "RingTime"),
                },
            )
        elif kind == "AgentComplete":
            await self._agents.call_ended(agent)
            self._emit(
                call_id,
                "agent_call_completed",
                {
                    "queue": queue,
                    "agent": agent,
                    "talk_seconds": _int(event, "TalkTime"),
                    "ended_by": event.get("Reason", "")[:20],
                },
            )
        elif kind == "AgentRingNoAnswer":
            await self._agents.rang_unanswered(agent, RING_NO_ANSWER)
            self._emit(
                call_id,
                "ring_no_answer",
                {"queue": queue, "agent": agent, "ring_ms": _int(event, "RingTime")},
            )

    def on_call_event(self, event: CallEvent) -> None:
        """The caller's channel is gone (the IVR's watch, over ARI), or a callback's attempt
        failed (the service hung up the placeholder its agent answered): an agent our record
        still has on that call is off it once app_queue has had `UNREPORTED_GRACE` seconds to
        say so itself (its AgentComplete comes over AMI, before or after)."""
        for agent, call_id in self._legs_ended(event):
            task = asyncio.get_running_loop().create_task(self._after_leg_gone(agent, call_id))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def _legs_ended(self, event: CallEvent) -> list[tuple[str, str]]:
        if event.name == "call_ended":
            return [(agent, event.call_id) for agent in self._agents.agents_on(event.call_id)]
        agent = event.details.get("agent")
        if event.name == "callback_failed" and isinstance(agent, str):
            # The placeholder's queue call has an id of its own: the one the agent is on now.
            call_id = self._agents.current_call(agent)
            return [(agent, call_id)] if call_id else []
        return []

    async def _after_leg_gone(self, agent: str, call_id: str) -> None:
        await asyncio.sleep(UNREPORTED_GRACE)
        if self._agents.current_call(agent) != call_id:
            return  # app_queue reported the end (or a new call) meanwhile
        log.warning("agent's call ended unreported", agent=agent, call_id=call_id)
        await self._agents.call_ended(agent)
        self._emit(
            call_id,
            "agent_call_completed",
            {"queue": None, "agent": agent, "talk_seconds": None, "ended_by": "unreported"},
        )

    async def _close_unreported_call(self, agent: str, ringing_for: str, queue: str) -> None:
        """app_queue rings only members who are not on a call (ringinuse=no): if our record
        still has this agent on another caller, Asterisk ended that call without an
        AgentComplete (seen for 2 calls in 500 under load, bench/RESULTS.md). End it now, so
        the agent's state and the call's record do not stay open until the next answer."""
        previous = self._agents.current_call(agent)
        if previous is None or previous == ringing_for:
            return
        log.warning("agent's last call ended unreported", agent=agent, call_id=previous)
        await self._agents.call_ended(agent)
        self._emit(
            previous,
            "agent_call_completed",
            {"queue": queue, "agent": agent, "talk_seconds": None, "ended_by": "unreported"},
        )

    def _agent_id(self, event: Mapping[str, str]) -> str | None:
        interface = event.get("Interface") or event.get("StateInterface") or ""
        tech, _, extension = interface.partition("/")
        if tech.upper() != "PJSIP":
            return None
        agent = self._agents.by_extension(extension)
        return agent.id if agent else None


def _int(event: Mapping[str, str], key: str) -> int | None:
    try:
        return int(event.get(key, ""))
    except ValueError:
        return None
