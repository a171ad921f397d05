"""Live events for staff screens and other tools, each delivered only to whom it concerns.

Four topics (live/events.py): `calls` and `queues` from the call events on the bus, `agents`
from the agents feature's state changes, and `notices`, which features publish with their
audience (`publish`). Who sees what is live/access.py's answer at the moment of delivery, with
the roster as it is then, so a roster change applies to the next event.

Each client has a bounded queue of messages without their sequence number (the connection
numbers what it sends). Publishing never waits: a client whose queue is full is dropped (its
socket closed as too slow; it may reconnect), so no slow screen can hold up a call or fill the
service's memory.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog

from ccc_telephony.config.agents import RosterAgent, in_unit
from ccc_telephony.config.policy import Policy
from ccc_telephony.live.access import Filters, may_see
from ccc_telephony.live.events import CallTracker, LiveEvent, agent_state
from ccc_telephony.store.events import CallEvent
from ccc_telephony.web.auth import Principal

log = structlog.get_logger(__name__)

Roster = Callable[[], Mapping[str, RosterAgent]]
SinceOf = Callable[[str], datetime | None]  # when an agent's current state began
QUEUE_SIZE = 256


def queue_names(policy: Policy) -> frozenset[str]:
    """Every queue a caller can wait in: the policy's, and their language-first queues."""
    staffed = policy.language_queues()
    return frozenset(policy.queues) | {q for queues in staffed.values() for q in queues}


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
    """One connected client: who they are, what they follow, and what waits to be sent."""

    def __init__(self, principal: Principal, filters: Filters, size: int) -> None:
        self.principal = principal
        self.filters = filters
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
        self,
        *,
        roster: Roster,
        clock: Callable[[], datetime],
        queues: frozenset[str] = frozenset(),
        since_of: SinceOf = lambda _agent: None,
        queue_size: int = QUEUE_SIZE,
    ) -> None:
        self._roster = roster
        self._clock = clock
        self._since_of = since_of
        self._queue_size = queue_size
        self._subscribers: set[Subscriber] = set()
        self.queues = queues
        self.calls = CallTracker(queues)

    @property
    def clients(self) -> int:
        return len(self._subscribers)

    def roster(self) -> Mapping[str, RosterAgent]:
        return self._roster()

    def subscribe(self, principal: Principal, filters: Filters | None = None) -> Subscriber:
        subscriber = Subscriber(principal, filters or Filters(), self._queue_size)
        self._subscribers.add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.discard(subscriber)

    def publish(self, kind: str, data: Mapping[str, Any], audience: Audience) -> int:
        """A feature's notice to whom it concerns; how many got it. Never waits."""
        return self.deliver(LiveEvent("notices", kind, self._clock(), data, audience))

    def deliver(self, event: LiveEvent) -> int:
        """Send an event to every connected client it is for; how many got it. Never waits."""
        if not self._subscribers:
            return 0  # nobody listening: no roster read, no encoding, for every call event
        roster = self._roster()
        text = event.body()
        delivered = 0
        for subscriber in list(self._subscribers):
            if not subscriber.filters.keeps(event):
                continue
            if not may_see(subscriber.principal, event, roster):
                continue
            if subscriber.offer(text):
                delivered += 1
            else:
                self._subscribers.discard(subscriber)
                log.warning("live client too slow: dropped", who=subscriber.principal.who)
        return delivered

    def on_call_event(self, event: CallEvent) -> None:
        """The call-event bus's listener: the calls and queues topics."""
        for live in self.calls.on_call_event(event):
            self.deliver(live)

    def on_agent_event(self, name: str, details: Mapping[str, Any]) -> None:
        """The agents feature's listener: the agents topic."""
        if name == "agent_state_changed" and isinstance(details.get("agent"), str):
            since = self._since_of(details["agent"])
            self.deliver(agent_state(details, since, self._clock()))

    async def close(self, *_: object) -> None:
        """Every client told the service is stopping (an aiohttp on_shutdown hook)."""
        for subscriber in list(self._subscribers):
            subscriber.close(GOING_AWAY)
        self._subscribers.clear()
