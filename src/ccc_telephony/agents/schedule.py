"""Which queues an agent belongs in at a given local time, and whether their protected time
is on: the rules behind the scheduler that logs leads onto the Help queue for their shift and
pauses workers for their daily off-phone block.
"""

from __future__ import annotations

from datetime import time

from ccc_telephony.config.agents import AgentPolicy, RosterAgent, language_queue


def on_hq_shift(policy: AgentPolicy, agent: RosterAgent, now: time) -> bool:
    if agent.role != "lead" or agent.hq_shift is None:
        return False
    return policy.hq_shifts[agent.hq_shift].contains(now)


def in_protected_time(policy: AgentPolicy, agent: RosterAgent, now: time) -> bool:
    return policy.protected_window(agent).contains(now)


def queues_for(
    policy: AgentPolicy, agent: RosterAgent, now: time, *, first_language: str
) -> set[str]:
    """A logged-in agent's queues now: their team's, the Help queue for a lead on shift, and
    the language queue of each of those for every other language the agent speaks."""
    queues = {policy.team_queues[agent.team]}
    if on_hq_shift(policy, agent, now):
        queues.add(policy.help_queue)
    extra = [code for code in agent.languages if code != first_language]
    return queues | {language_queue(queue, code) for queue in queues for code in extra}
