"""What the live feed says: its events, and how a call's events become them.

A call event on the bus holds whatever its feature needed (a caller's number and name as the
caller's phone sent them, a case number); a screen needs much less, and another tool must never
get caller-controlled text. So each live event is built field by field from a short list of
safe values: ids Asterisk or the service made, queue names from the policy, agents from the
roster, whole numbers, and outcomes from the service's own vocabulary. Anything else is left
out, never escaped and passed on.

The tracker remembers, per call in progress, its queue and its agent, so that the events that
do not name them (the call's end) still reach the queue's and the agent's screens; and per
queue, who is waiting, for the callers-waiting count of the `queues` topic.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Literal, Protocol

from ccc_telephony.config.agents import RosterAgent
from ccc_telephony.store.events import CallEvent
from ccc_telephony.web.auth import Principal

Topic = Literal["calls", "queues", "agents", "notices"]
TOPICS: Final[tuple[Topic, ...]] = ("calls", "queues", "agents", "notices")
# The call events screens follow, by the names the live feed gives them.
CALL_TYPES: Final = {
    "call_started": "call.started",
    "queued": "call.queued",
    "agent_ringing": "call.offered",
    "ring_no_answer": "call.missed",
    "agent_answered": "call.answered",
    "transfer_completed": "call.transferred",
    "escalated": "call.escalated",
    "abandoned": "call.abandoned",
    "call_ended": "call.ended",
}
# What a call came to, strongest first, as the calls table's `outcome` says it (store/projection).
_FACTS: Final = {
    "ended_by_agent_abusive": "ended_by_agent_abusive",
    "agent_answered": "answered",
    "abandoned": "abandoned",
}
_RANK: Final = tuple(_FACTS.values())
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_WORD = re.compile(r"[a-z][a-z0-9_]{0,39}")  # the service's own vocabulary (outcomes, reasons)
_REASON = re.compile(r"[A-Za-z][A-Za-z0-9 ._-]{0,39}")  # a Not Ready reason of the policy's


class Addressees(Protocol):
    """Whom a feature addressed a notice to (live.feed.Audience)."""

    def admits(self, principal: Principal, roster: Mapping[str, RosterAgent]) -> bool: ...


@dataclass(frozen=True, slots=True)
class LiveEvent:
    """One message of the feed but its sequence number (each connection numbers its own).
    `audience`: a notice's addressees (the other topics' readers are live/access.py's rule)."""

    topic: Topic
    type: str
    at: datetime
    data: Mapping[str, Any] = field(default_factory=dict)
    audience: Addressees | None = None

    @property
    def queue(self) -> str | None:
        return _text(self.data.get("queue"))

    @property
    def agent(self) -> str | None:
        return _text(self.data.get("agent"))

    def body(self) -> str:
        message = {"type": self.type, "topic": self.topic, "at": self.at.isoformat(), **self.data}
        return json.dumps(message, default=str)


class CallTracker:
    """A call's events as the `calls` and `queues` topics tell them."""

    def __init__(self, queues: frozenset[str]) -> None:
        self._queues = queues
        self._queue_of: dict[str, str] = {}
        self._agent_of: dict[str, str] = {}
        self._came_to: dict[str, str] = {}
        self._waiting: dict[str, set[str]] = {queue: set() for queue in queues}

    def waiting(self, queue: str) -> int:
        return len(self._waiting.get(queue, ()))

    def on_call_event(self, event: CallEvent) -> list[LiveEvent]:
        kind = CALL_TYPES.get(event.name)
        call_id = event.call_id if _ID.fullmatch(event.call_id) else None
        if call_id is None:
            return []
        queue_events = self._follow(event, call_id)
        self._note_fact(event.name, call_id)
        if kind is None:
            return queue_events
        data = {"call_id": call_id, **self._fields(event, call_id)}
        if event.name == "call_ended":
            self._queue_of.pop(call_id, None)
            self._agent_of.pop(call_id, None)
            self._came_to.pop(call_id, None)
        call = LiveEvent("calls", kind, event.at, {k: v for k, v in data.items() if v is not None})
        return [call, *queue_events]

    def _fields(self, event: CallEvent, call_id: str) -> dict[str, Any]:
        details = event.details
        queue = self._queue(details.get("queue")) or self._queue_of.get(call_id)
        agent = _text(details.get("agent"), _ID) or self._agent_of.get(call_id)
        if event.name in ("agent_ringing", "agent_answered") and agent is not None:
            self._agent_of[call_id] = agent
        elif event.name == "ring_no_answer" and self._agent_of.get(call_id) == agent:
            del self._agent_of[call_id]  # offered to them, never theirs: its end is not
        if event.name in ("queued", "agent_ringing", "agent_answered") and queue is not None:
            self._queue_of[call_id] = queue
        fields: dict[str, Any] = {"queue": queue, "agent": agent}
        if event.name in ("agent_answered", "abandoned"):
            fields["wait_seconds"] = _whole(details.get("wait_seconds"))
        if event.name == "abandoned":
            fields["position"] = _whole(details.get("position"))
        if event.name == "call_ended":
            ivr = _text(details.get("outcome"), _WORD)
            fields["outcome"] = self._came_to.get(call_id) or (
                "ended_in_queue" if ivr == "queued" else ivr
            )
        if event.name == "escalated":
            fields["queue"] = self._queue(details.get("target")) or queue
            fields["reason"] = _text(details.get("reason"), _WORD)
        if event.name == "transfer_completed":
            fields["queue"] = self._queue(details.get("target"))
            fields["kind"] = _text(details.get("kind"), _WORD)
            fields["agent"] = _text(details.get("from_agent"), _ID) or agent
        return fields

    def _note_fact(self, name: str, call_id: str) -> None:
        fact = _FACTS.get(name)
        known = self._came_to.get(call_id)
        if fact is not None and (known is None or _RANK.index(fact) < _RANK.index(known)):
            self._came_to[call_id] = fact

    def _follow(self, event: CallEvent, call_id: str) -> list[LiveEvent]:
        """The `queues` topic: a caller joins a queue, leaves it (answered, moved to another
        queue, ended), or abandons it."""
        if event.name == "queue_joined":
            queue = self._queue(event.details.get("queue"))
            if queue is None:
                return []
            moved = self._leave(event, call_id, "moved")
            self._waiting[queue].add(call_id)
            self._queue_of[call_id] = queue
            position = _whole(event.details.get("position"))
            joined = self._queue_event(event, "queue.joined", queue, call_id, position=position)
            return [*moved, joined]
        if event.name == "abandoned":
            return self._leave(event, call_id, None)
        if event.name in ("agent_answered", "call_ended"):
            return self._leave(
                event, call_id, "answered" if event.name == "agent_answered" else "ended"
            )
        return []

    def _leave(self, event: CallEvent, call_id: str, reason: str | None) -> list[LiveEvent]:
        queue = next((q for q, calls in self._waiting.items() if call_id in calls), None)
        if queue is None:
            return []
        self._waiting[queue].discard(call_id)
        if reason is None:
            wait = _whole(event.details.get("wait_seconds"))
            return [self._queue_event(event, "queue.abandoned", queue, call_id, wait_seconds=wait)]
        return [self._queue_event(event, "queue.left", queue, call_id, reason=reason)]

    def _queue_event(
        self, event: CallEvent, kind: str, queue: str, call_id: str, **extra: Any
    ) -> LiveEvent:
        data = {"queue": queue, "call_id": call_id, "waiting": self.waiting(queue), **extra}
        return LiveEvent("queues", kind, event.at, {k: v for k, v in data.items() if v is not None})

    def _queue(self, value: Any) -> str | None:
        return value if isinstance(value, str) and value in self._queues else None


def agent_state(details: Mapping[str, Any], since: datetime | None, at: datetime) -> LiveEvent:
    """An agent's state change (AgentsFeature.on_agent_event's `agent_state_changed`). The
    reason is the policy's list of Not Ready reasons, or the service's own words."""
    data = {
        "agent": _text(details.get("agent"), _ID),
        "state": _text(details.get("state"), _WORD),
        "reason": _text(details.get("reason"), _REASON),
        "since": None if since is None else since.isoformat(),
    }
    return LiveEvent("agents", "agent.state", at, data)


def _text(value: Any, shape: re.Pattern[str] | None = None) -> str | None:
    if not isinstance(value, str) or (shape is not None and not shape.fullmatch(value)):
        return None
    return value


def _whole(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
