"""Who sees which live event, and what a connection asked to follow.

The roles are the API's: the admin sees everything; a lead or supervisor the calls and queues
of every queue (the floor's picture: who waits, who answered) and the state of their unit's
agents; an agent their own calls and their own state. Notices go to whom their feature
addressed them. A connection narrows that further with `?topics=`, `?queue=` and `?agent=`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ccc_telephony.config.agents import RosterAgent, in_unit
from ccc_telephony.live.events import TOPICS, LiveEvent, Topic
from ccc_telephony.web.auth import Principal

HEADS = ("lead", "supervisor")


class BadFilter(ValueError):
    """A query parameter of the feed that names nothing there is (400), or something the
    requester may not follow (`forbidden`: 403); the message names the parameter."""

    def __init__(self, message: str, *, forbidden: bool = False) -> None:
        super().__init__(message)
        self.forbidden = forbidden


@dataclass(frozen=True, slots=True)
class Filters:
    """What one connection follows. `queue` narrows the calls and queues topics, `agent` the
    calls and agents topics; a call event that names no queue (or agent) then stays out."""

    topics: frozenset[Topic] = frozenset(TOPICS)
    queue: str | None = None
    agent: str | None = None

    def keeps(self, event: LiveEvent) -> bool:
        if event.topic not in self.topics:
            return False
        if self.queue is not None and event.topic in ("calls", "queues"):
            return event.queue == self.queue and self._agent_keeps(event)
        return self._agent_keeps(event)

    def _agent_keeps(self, event: LiveEvent) -> bool:
        return (
            self.agent is None
            or event.topic not in ("calls", "agents")
            or (event.agent == self.agent)
        )


def filters_of(
    query: Mapping[str, str],
    *,
    principal: Principal,
    queues: frozenset[str],
    roster: Mapping[str, RosterAgent],
) -> Filters:
    """The connection's filters from its query string, or BadFilter naming the parameter."""
    topics = frozenset(TOPICS)
    if "topics" in query:
        asked = [name.strip() for name in query["topics"].split(",") if name.strip()]
        unknown = sorted(set(asked) - set(TOPICS))
        if unknown or not asked:
            raise BadFilter(
                f"topics: unknown {', '.join(n[:40] for n in unknown[:5]) or '(none given)'};"
                f" one or more of {', '.join(TOPICS)}"
            )
        topics = frozenset(t for t in TOPICS if t in asked)
    queue = query.get("queue")
    if queue is not None and queue not in queues:
        raise BadFilter(f"queue: not a queue; one of {', '.join(sorted(queues))}")
    agent = query.get("agent")
    if agent is not None:
        if agent not in roster:
            raise BadFilter("agent: not an agent in the roster")
        if not (principal.is_admin or principal.role in HEADS or agent == principal.agent_id):
            raise BadFilter("agent: an agent follows only themself", forbidden=True)
    return Filters(topics=topics, queue=queue, agent=agent)


def may_see(principal: Principal, event: LiveEvent, roster: Mapping[str, RosterAgent]) -> bool:
    if principal.is_admin:
        return True
    if event.topic == "notices":
        return event.audience is not None and event.audience.admits(principal, roster)
    mine = event.agent is not None and event.agent == principal.agent_id
    if principal.role not in HEADS:
        return mine and event.topic in ("calls", "agents")
    if event.topic in ("calls", "queues") and event.queue is not None:
        return True
    head = roster.get(principal.agent_id or "")
    agent = roster.get(event.agent or "")
    return mine or (head is not None and agent is not None and in_unit(agent, head))
