"""app_queue's AMI events become call events and agent state changes; events about members
that are not our agents, and malformed numbers, change nothing."""

from __future__ import annotations

import asyncio
from typing import Any

from ccc_telephony.agents.queue_events import QueueEvents
from ccc_telephony.config.agents import RosterAgent
from ccc_telephony.store.events import CallEvent

AGENT = RosterAgent(id="maria", name="Maria", extension="3101", team="family")


class FakeAgents:
    def __init__(self) -> None:
        self.calls: list[tuple[str, ...]] = []
        self.on_call: dict[str, str] = {}

    def by_extension(self, extension: str) -> RosterAgent | None:
        return AGENT if extension == AGENT.extension else None

    def current_call(self, agent_id: str) -> str | None:
        return self.on_call.get(agent_id)

    def agents_on(self, call_id: str) -> list[str]:
        return [agent for agent, call in self.on_call.items() if call == call_id]

    async def call_answered(self, agent_id: str, call_id: str | None = None) -> None:
        self.calls.append(("answered", agent_id, call_id or ""))
        if call_id:
            self.on_call[agent_id] = call_id

    async def call_ended(self, agent_id: str) -> None:
        self.calls.append(("ended", agent_id))
        self.on_call.pop(agent_id, None)

    async def rang_unanswered(self, agent_id: str, reason: str) -> None:
        self.calls.append(("missed", agent_id, reason))


def _setup() -> tuple[QueueEvents, FakeAgents, list[tuple[str, str, dict[str, Any]]]]:
    agents = FakeAgents()
    emitted: list[tuple[str, str, dict[str, Any]]] = []
    events = QueueEvents(agents, lambda c, n, d: emitted.append((c, n, dict(d))))  # type: ignore[arg-type]
    return events, agents, emitted


async def test_a_call_answered_and_completed() -> None:
    events, agents, emitted = _setup()
    base = {"Uniqueid": "call-1", "Queue": "family", "Interface": "PJSIP/3101"}
    await events.handle({"Event": "AgentCalled", **base})
    await events.handle({"Event": "AgentConnect", "HoldTime": "12", "RingTime": "3", **base})
    await events.handle({"Event": "AgentComplete", "TalkTime": "95", "Reason": "caller", **base})
    assert [name for _, name, _ in emitted] == [
        "agent_ringing",
        "agent_answered",
        "agent_call_completed",
    ]
    assert emitted[1][2] == {
        "queue": "family",
        "agent": "maria",
        "wait_seconds": 12,
        "ring_seconds": 3,
    }
    assert agents.calls == [("answered", "maria", "call-1"), ("ended", "maria")]


async def test_abandon_and_ring_no_answer() -> None:
    events, agents, emitted = _setup()
    await events.handle(
        {
            "Event": "QueueCallerAbandon",
            "Uniqueid": "call-2",
            "Queue": "ebd",
            "HoldTime": "40",
            "Position": "2",
            "OriginalPosition": "3",
        }
    )
    await events.handle(
        {"Event": "AgentRingNoAnswer", "Uniqueid": "call-3", "Interface": "PJSIP/3101"}
    )
    assert emitted[0] == (
        "call-2",
        "abandoned",
        {"queue": "ebd", "wait_seconds": 40, "position": 2, "original_position": 3},
    )
    assert emitted[1][1] == "ring_no_answer"
    assert agents.calls == [("missed", "maria", "Missed call")]


async def test_strangers_and_garbage_change_nothing() -> None:
    events, agents, emitted = _setup()
    for interface in ("PJSIP/9999", "Local/3101@x", "", "PJSIP/"):
        await events.handle(
            {"Event": "AgentConnect", "Uniqueid": "c", "Interface": interface, "HoldTime": "x"}
        )
    await events.handle({"Event": "AgentConnect", "Interface": "PJSIP/3101"})  # no caller
    await events.handle(
        {"Event": "QueueCallerJoin", "Uniqueid": "c", "Queue": "ebd", "Position": "not a number"}
    )
    assert agents.calls == []
    assert emitted == [("c", "queue_joined", {"queue": "ebd", "position": None})]


async def test_a_call_asterisk_never_reported_ended_is_closed_when_the_agent_rings_again() -> None:
    events, agents, emitted = _setup()
    first = {"Uniqueid": "call-1", "Queue": "family", "Interface": "PJSIP/3101"}
    second = {**first, "Uniqueid": "call-2"}
    await events.handle({"Event": "AgentCalled", **first})
    await events.handle({"Event": "AgentConnect", **first})
    # no AgentComplete for call-1; app_queue rings the agent for the next caller
    await events.handle({"Event": "AgentCalled", **second})
    await events.handle({"Event": "AgentCalled", **second})  # rung again: nothing more to close
    assert [(c, name) for c, name, _ in emitted] == [
        ("call-1", "agent_ringing"),
        ("call-1", "agent_answered"),
        ("call-1", "agent_call_completed"),
        ("call-2", "agent_ringing"),
        ("call-2", "agent_ringing"),
    ]
    assert emitted[2][2]["ended_by"] == "unreported"
    assert agents.calls == [("answered", "maria", "call-1"), ("ended", "maria")]


async def test_a_caller_gone_without_app_queues_word_ends_the_agents_call(monkeypatch) -> None:
    """AgentComplete never came (seen under load): the caller's end, over ARI, closes it."""
    monkeypatch.setattr("ccc_telephony.agents.queue_events.UNREPORTED_GRACE", 0)
    events, agents, emitted = _setup()
    base = {"Uniqueid": "call-9", "Queue": "family", "Interface": "PJSIP/3101"}
    await events.handle({"Event": "AgentConnect", "HoldTime": "1", "RingTime": "1", **base})
    events.on_call_event(CallEvent("call-9", "call_ended", {"outcome": "queued"}))
    await asyncio.gather(*events._tasks)
    assert agents.current_call("maria") is None
    assert emitted[-1][1:] == (
        "agent_call_completed",
        {"queue": None, "agent": "maria", "talk_seconds": None, "ended_by": "unreported"},
    )


async def test_app_queues_own_word_within_the_grace_is_not_doubled(monkeypatch) -> None:
    monkeypatch.setattr("ccc_telephony.agents.queue_events.UNREPORTED_GRACE", 0)
    events, _agents, emitted = _setup()
    base = {"Uniqueid": "call-8", "Queue": "family", "Interface": "PJSIP/3101"}
    await events.handle({"Event": "AgentConnect", "HoldTime": "1", "RingTime": "1", **base})
    events.on_call_event(CallEvent("call-8", "call_ended", {"outcome": "queued"}))
    await events.handle({"Event": "AgentComplete", "TalkTime": "5", "Reason": "caller", **base})
    await asyncio.gather(*events._tasks)
    assert [name for _, name, _ in emitted].count("agent_call_completed") == 1
