"""Time-driven agent changes: protected time starts and ends, leads join and leave the Help
queue with their shift, and anything Asterisk missed is applied again.

`tick()` does one pass and is what tests call with a moved clock; the agents feature runs it
every few seconds as a supervised background job.
Protected time is edge-triggered: an agent who chooses Ready during their block is not paused
again, and one whose reason changed meanwhile is not made Ready at its end.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import time

from ccc_telephony.agents.membership import Membership
from ccc_telephony.agents.schedule import in_protected_time
from ccc_telephony.agents.service import AgentService
from ccc_telephony.agents.states import State, Status
from ccc_telephony.config.agents import PROTECTED_TIME


class Scheduler:
    def __init__(
        self, agents: AgentService, membership: Membership, *, local_time: Callable[[], time]
    ) -> None:
        self._agents = agents
        self._membership = membership
        self._local_time = local_time
        self._in_protected: dict[str, bool] = {}

    async def tick(self) -> None:
        now = self._local_time()
        for agent in list(self._agents.roster.values()):
            status = self._agents.status.get(agent.id)
            if status is None or status.state is State.LOGGED_OUT:
                continue
            inside = in_protected_time(self._agents.policy.agents, agent, now)
            was_inside = self._in_protected.get(agent.id, False)
            self._in_protected[agent.id] = inside
            if inside and not was_inside and _headed_for_ready(status):
                await self._agents.not_ready(
                    agent.id, PROTECTED_TIME, source="schedule", by=None, guard=False
                )
            elif was_inside and not inside and status.reason == PROTECTED_TIME:
                await self._agents.ready(agent.id, source="schedule", by=None)
            elif self._membership.wanted(agent) != self._agents.members.get(agent.id, set()):
                await self._membership.apply(agent.id)  # a Help-queue shift began or ended
        for agent_id in list(self._membership.unsynced):
            await self._membership.apply(agent_id)


def _headed_for_ready(status: Status) -> bool:
    """Ready now, or on a call and Ready after it (then the block starts when it ends)."""
    if status.state is State.CALL_INBOUND and status.after_call is not None:
        return status.after_call[0] is State.READY
    return status.state is State.READY
