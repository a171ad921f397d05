"""app_queue's AMI events become call events and agent state changes; events about members
that are not our agents, and malformed numbers, change nothing."""

from __future__ import annotations

from typing import Any

from ccc_telephony.agents.queue_events import QueueEvents
from ccc_telephony.config.agents import RosterAgent

AGENT = RosterAgent(id="maria", name="Maria", extension="3101", team="family")


class FakeAgents:
    def __init__(self) -> None:
        self.calls: list[tuple[str, ...]] = []
        self.on_call: dict[str, str] = {}

    def by_extension(self, extension: str) -> RosterAgent | None:
        return AGENT if extension == AGENT.extension else None

    def current_call(self, agent_id: str) -> str | None:
        return self.on_call.get(agent_id)

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
