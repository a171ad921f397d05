"""The coverage panel: per queue with a coverage rule, its Ready leads and Ready speakers of
each language against the rule's minimums now, and the last warnings and refusals the
coverage guard gave (agents/coverage.py) as agents asked to go Not Ready.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from ccc_telephony.agents.states import State, Status
from ccc_telephony.config.agents import AgentPolicy, RosterAgent
from ccc_telephony.web.auth import Principal

# How many of the guard's last warnings the panel keeps.
WARNINGS_KEPT = 10
GUARD_EVENTS = ("agent_coverage_warned", "agent_coverage_refused", "agent_coverage_overridden")


def coverage_rows(
    policy: AgentPolicy,
    *,
    members: Mapping[str, set[str]],
    statuses: Mapping[str, Status],
    roster: Mapping[str, RosterAgent],
    staffed: set[str],
) -> list[dict[str, Any]]:
    """Per rule: who is Ready in the queue against each minimum. `members`: agent id -> the
    queues they are in; `staffed`: queues whose hours are on (the rule applies only then)."""
    rows = []
    for queue, rule in policy.coverage.items():
        if rule.mode == "off":
            continue
        ready = [
            roster[a]
            for a, queues in members.items()
            if queue in queues
            and a in roster
            and (statuses.get(a) or Status(State.LOGGED_OUT, None)).state is State.READY
        ]
        checks = []
        if rule.min_ready_leads:
            leads = sum(1 for agent in ready if agent.role == "lead")
            checks.append(_check("Ready leads", leads, rule.min_ready_leads))
        for language, minimum in rule.min_ready_speakers.items():
            speakers = sum(1 for agent in ready if language in agent.languages)
            checks.append(_check(f"Ready {language} speakers", speakers, minimum))
        rows.append(
            {"queue": queue, "mode": rule.mode, "staffed": queue in staffed, "checks": checks}
        )
    return rows


def _check(what: str, count: int, minimum: int) -> dict[str, Any]:
    return {"what": what, "count": count, "minimum": minimum, "short": count < minimum}


class CoveragePanel:
    name = "coverage"
    for_agents = False

    def __init__(
        self,
        *,
        policy: AgentPolicy,
        members: Callable[[], Mapping[str, set[str]]],
        statuses: Callable[[], Mapping[str, Status]],
        roster: Callable[[], Mapping[str, RosterAgent]],
        staffed: Callable[[], set[str]],
        clock: Callable[[], datetime],
    ) -> None:
        self._policy = policy
        self._members = members
        self._statuses = statuses
        self._roster = roster
        self._staffed = staffed
        self._clock = clock
        self._warnings: deque[dict[str, Any]] = deque(maxlen=WARNINGS_KEPT)

    def on_agent_event(self, name: str, details: Mapping[str, Any]) -> None:
        """The agents feature's listener: keep the guard's warnings, newest first."""
        if name in GUARD_EVENTS:
            self._warnings.appendleft(
                {
                    "at": self._clock().isoformat(),
                    "outcome": name.removeprefix("agent_coverage_"),
                    "agent": details.get("agent"),
                    "queue": details.get("queue"),
                    "rule": details.get("rule"),
                }
            )

    async def build(self, now: datetime) -> dict[str, Any]:
        rows = coverage_rows(
            self._policy,
            members=self._members(),
            statuses=self._statuses(),
            roster=self._roster(),
            staffed=self._staffed(),
        )
        return {"rules": rows, "warnings": list(self._warnings)}

    def view(self, data: dict[str, Any], principal: Principal) -> dict[str, Any]:
        return data
