"""Live events for staff screens, each delivered only to whom it concerns.

A feature publishes an event with its audience (`publish`); every connected client whose
principal the audience admits gets it. The admin gets everything; a lead or supervisor what
concerns their unit; an agent what is addressed to them. Who is in whose unit is the roster's
answer at the moment of delivery, so a roster change applies to the next event.

Each client has a bounded queue. Publishing never waits: a client whose queue is full is
dropped (its socket closed as too slow; it may reconnect), so no slow screen can hold up a
call or fill the service's memory.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import structlog

from ccc_telephony.config.agents import RosterAgent, in_unit
from ccc_telephony.store.events import CallEvent
from ccc_telephony.web.auth import Principal

log = structlog.get_logger(__name__)

Roster = Callable[[], Mapping[str, RosterAgent]]
QUEUE_SIZE = 256
# Call events about an agent that their unit's screens follow; only the fields named here go
# out (a call event's details may hold what a screen must not show).
CALL_EVENTS: Final = frozenset(
    {
        "agent_ringing",
        "agent_answered",
        "agent_call_completed",
        "ring_no_answer",
        "transfer_requested",
        "transfer_completed",
        "escalated",
        "ended_by_agent_abusive",
    }
)
CALL_EVENT_FIELDS: Final = ("queue", "agent")


@dataclass(frozen=True, slots=True)
class Audience:
    """Who gets an event besides the admin: these people (`agents`, whatever their role), and
    the leads and supervisors whose unit holds any of `unit_of`."""

    agents: frozenset[str] = frozenset()
    unit_of: frozenset[str] = frozenset()

    @classmethod
    def people(cls, *agent_ids: str) -> Audience:
        return cls(agents=frozenset(agent_ids))

    @classmethod
    def unit(cls, agent_id: str) -> Audience:
        """The agent and their unit's leads and supervisors."""
        return cls(agents=frozenset({agent_id}), unit_of=frozenset({agent_id}))

    def admits(self, principal: Principal, roster: Mapping[str, RosterAgent]) -> bool:
        if principal.is_admin or principal.agent_id in self.agents:
            return True
        head = roster.get(principal.agent_id or "")
        if head is None or principal.role not in ("lead", "supervisor"):
            return False
        return any(in_unit(roster[a], head) for a in self.unit_of if a in roster)


@dataclass(frozen=True, slots=True)
class Closing:
    """The last item of a client's queue: close its socket with this code and reason."""

    code: int
    reason: str


TOO_SLOW = Closing(1013, "too slow: reconnect")
GOING_AWAY = Closing(1001, "the service is stopping")
Item = str | Closing


class Subscriber:
    """One connected client: who they are, and what waits to be sent to them."""

    def __init__(self, principal: Principal, size: int) -> None:
        self.principal = principal
        self.queue: asyncio.Queue[Item] = asyncio.Queue(maxsize=size)

    def offer(self, item: Item) -> bool:
        """Queue `item`; False (and the client told to go) when the queue is full."""
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            self.close(TOO_SLOW)
            return False
        return True

    def close(self, closing: Closing) -> None:
        """Whatever still waits is dropped: the client is told to go at once."""
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait(closing)


class LiveFeed:
    def __init__(
        self, *, roster: Roster, clock: Callable[[], datetime], queue_size: int = QUEUE_SIZE
    ) -> None:
        self._roster = roster
        self._clock = clock
        self._queue_size = queue_size
        self._subscribers: set[Subscriber] = set()

    @property
    def clients(self) -> int:
        return len(self._subscribers)

    def subscribe(self, principal: Principal) -> Subscriber:
        subscriber = Subscriber(principal, self._queue_size)
        self._subscribers.add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.discard(subscriber)

    def publish(self, kind: str, data: Mapping[str, Any], audience: Audience) -> int:
        """Send an event to every connected client it is for; how many got it. Never waits."""
        roster = self._roster()
        text = json.dumps({"type": kind, "at": self._clock().isoformat(), **data}, default=str)
        delivered = 0
        for subscriber in list(self._subscribers):
            if audience.admits(subscriber.principal, roster):
                if subscriber.offer(text):
                    delivered += 1
                else:
                    self._subscribers.discard(subscriber)
                    log.warning("live client too slow: dropped", who=subscriber.principal.who)
        return delivered

    def on_call_event(self, event: CallEvent) -> None:
        """The call-event bus's listener: an agent's call events to the agent's unit."""
        agent = event.details.get("agent")
        if event.name not in CALL_EVENTS or not isinstance(agent, str):
            return
        data = {key: event.details.get(key) for key in CALL_EVENT_FIELDS}
        self.publish(
            "call_event",
            {"name": event.name, "call_id": event.call_id, **data},
            Audience.unit(agent),
        )

    async def close(self, *_: object) -> None:
        """Every client told the service is stopping (an aiohttp on_shutdown hook)."""
        for subscriber in list(self._subscribers):
            subscriber.close(GOING_AWAY)
        self._subscribers.clear()
