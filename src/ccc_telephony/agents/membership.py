"""Keeps app_queue in line with our agents: who is a member of which queue (team, Help during
a lead's shift, language-first queues) and who is paused, with the reason.

After a restart of the service or of Asterisk, `reconcile` reads the queues back over AMI.
Where Asterisk lost its members (it restarted), ours are put back. Where it kept them, what it
did meanwhile is recorded as it happened (a ring-no-answer pause at its LastPause time, a call
in progress), not guessed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time

import structlog

from ccc_telephony.agents import states
from ccc_telephony.agents.schedule import queues_for
from ccc_telephony.agents.service import AgentService
from ccc_telephony.agents.states import State
from ccc_telephony.asterisk.queues import Member, QueueActionFailed, QueueMembers
from ccc_telephony.config.agents import RING_NO_ANSWER, RosterAgent

log = structlog.get_logger(__name__)

AMI_ERRORS = (QueueActionFailed, ConnectionError, TimeoutError)


def interface(agent: RosterAgent) -> str:
    return f"PJSIP/{agent.extension}"


class Membership:
    def __init__(
        self, agents: AgentService, queues: QueueMembers, *, local_time: Callable[[], time]
    ) -> None:
        self._agents = agents
        self._queues = queues
        self._local_time = local_time
        self.unsynced: set[str] = set()  # agents whose Asterisk side failed to update

    def wanted(self, agent: RosterAgent) -> set[str]:
        if self._agents.status[agent.id].state is State.LOGGED_OUT:
            return set()
        first = self._agents.policy.languages[0].code
        return queues_for(
            self._agents.policy.agents, agent, self._local_time(), first_language=first
        )

    async def apply(self, agent_id: str) -> None:
        """Membership and pause for one agent, from our state; failures are retried later."""
        agent = self._agents.agent(agent_id)
        status = self._agents.status[agent_id]
        have = self._agents.members.get(agent_id, set())
        want = self.wanted(agent)
        try:
            for queue in sorted(want - have):
                await self._queues.add(
                    queue,
                    interface(agent),
                    name=agent.name,
                    paused=status.paused,
                    reason=status.pause_reason,
                )
            for queue in sorted(have - want):
                await self._queues.remove(queue, interface(agent))
            self._agents.members[agent_id] = want
            if want:
                await self._queues.pause(
                    interface(agent), paused=status.paused, reason=status.pause_reason
                )
        except AMI_ERRORS as exc:
            self.unsynced.add(agent_id)
            log.warning("queue update failed; will retry", agent=agent_id, error=str(exc)[:200])
            return
        self.unsynced.discard(agent_id)

    async def reconcile(self) -> None:
        """Compare every agent with what app_queue reports now and settle the differences.

        Raises when the queues cannot be read (AMI down or slow): the caller's job tries again.
        """
        found = await self._queues.members()
        by_interface: dict[str, list[Member]] = {}
        for member in found:
            by_interface.setdefault(member.interface, []).append(member)
        for agent in list(self._agents.roster.values()):
            seen = by_interface.get(interface(agent), [])
            self._agents.members[agent.id] = {m.queue for m in seen}
            # `seen` is empty too when Asterisk restarted and forgot its queues, and with them
            # every call: no AgentComplete will come, so _settle ends our record of the call.
            if self._agents.status[agent.id].state is not State.LOGGED_OUT:
                await self._settle(agent, seen)
            await self.apply(agent.id)

    async def _settle(self, agent: RosterAgent, seen: list[Member]) -> None:
        status = self._agents.status[agent.id]
        if any(m.in_call for m in seen):
            if status.state is not State.CALL_INBOUND:
                await self._agents.restore(agent.id, states.call_answered, self._agents.now())
            return
        if status.state is State.CALL_INBOUND:  # the call ended while we were away
            await self._agents.restore(agent.id, states.call_ended, self._agents.now())
            return
        paused = next((m for m in seen if m.paused), None)
        if status.state is State.READY and paused is not None:
            since = (
                datetime.fromtimestamp(paused.last_pause, UTC)
                if paused.last_pause
                else self._agents.now()
            )
            if status.since is not None:  # not before the agent became Ready
                since = max(since, status.since)
            await self._agents.restore(
                agent.id, lambda s, at: states.rang_unanswered(s, RING_NO_ANSWER, at), since
            )
