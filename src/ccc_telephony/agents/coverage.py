"""The coverage guard: would this agent going Not Ready leave a queue without the people it
must keep Ready (a lead on the Help queue during its hours, a Spanish or Hmong speaker)?

Pure: the service passes who is in which queue and who is Ready; the guard answers with the
rules that would break, each marked enforce (refuse unless a supervisor overrides) or warn.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from ccc_telephony.config.agents import AgentPolicy, RosterAgent


@dataclass(frozen=True, slots=True)
class Shortfall:
    queue: str
    rule: str  # "ready_leads" or "ready_speakers:<language>"
    mode: Literal["enforce", "warn"]
    message: str


def shortfalls(
    policy: AgentPolicy,
    agent: RosterAgent,
    *,
    members: Mapping[str, set[str]],
    ready: set[str],
    roster: Mapping[str, RosterAgent],
    staffed: set[str],
) -> list[Shortfall]:
    """Rules broken if `agent` stops being Ready. `members`: queue -> agent ids in it; `ready`:
    Ready agent ids; `staffed`: queues whose hours are on now (coverage applies only then)."""
    found: list[Shortfall] = []
    for queue, rule in policy.coverage.items():
        if rule.mode == "off" or queue not in staffed or agent.id not in members.get(queue, set()):
            continue
        others = {a for a in members.get(queue, set()) & ready if a != agent.id}
        if agent.role == "lead" and rule.min_ready_leads:
            leads = sum(1 for a in others if roster[a].role == "lead")
            if leads < rule.min_ready_leads:
                found.append(
                    Shortfall(
                        queue,
                        "ready_leads",
                        rule.mode,
                        f"the {queue} queue would have {leads} Ready lead(s); "
                        f"at least {rule.min_ready_leads} must stay Ready",
                    )
                )
        for language, minimum in rule.min_ready_speakers.items():
            if language not in agent.languages:
                continue
            speakers = sum(1 for a in others if language in roster[a].languages)
            if speakers < minimum:
                found.append(
                    Shortfall(
                        queue,
                        f"ready_speakers:{language}",
                        rule.mode,
                        f"the {queue} queue would have {speakers} Ready {language} speaker(s); "
                        f"at least {minimum} must stay Ready",
                    )
                )
    return found
