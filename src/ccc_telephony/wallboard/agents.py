"""The agents panel: each agent's state, reason and time in it, highlighted when a Not Ready
runs past the policy's limit for its reason, or protected time past the team's minutes.

Pure rules (rows, limits, who sees which row) apart from the provider that reads the agents'
current states, so they are tested without a service.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ccc_telephony.agents.states import State, Status
from ccc_telephony.config.agents import PROTECTED_TIME, AgentPolicy, RosterAgent
from ccc_telephony.config.reports import Reports
from ccc_telephony.web.auth import Principal

# The wallboard's order: who is taking calls first, then who is away, then who is gone.
ORDER = {State.CALL_INBOUND: 0, State.READY: 1, State.NOT_READY: 2, State.LOGGED_OUT: 3}
LABELS = {
    State.READY: "Ready",
    State.CALL_INBOUND: "Call Inbound",
    State.NOT_READY: "Not Ready",
    State.LOGGED_OUT: "Logged out",
}


@dataclass(frozen=True, slots=True)
class Limits:
    """How long a Not Ready may run: per reason (reports), protected time per team (agents)."""

    agents: AgentPolicy
    reports: Reports

    def minutes(self, agent: RosterAgent, reason: str | None) -> int | None:
        if reason == PROTECTED_TIME:
            return self.agents.protected_minutes.get(agent.team)
        return None if reason is None else self.reports.not_ready_limit_minutes.get(reason)


def seconds_in_state(status: Status, now: datetime) -> int | None:
    """None for an agent who never logged in (no interval to measure); never negative (a clock
    moved back in a test, a state stamped a moment ahead)."""
    return None if status.since is None else max(0, int((now - status.since).total_seconds()))


def over_limit(agent: RosterAgent, status: Status, now: datetime, limits: Limits) -> int | None:
    """The limit in minutes a Not Ready has run past, else None."""
    if status.state is not State.NOT_READY:
        return None
    minutes = limits.minutes(agent, status.reason)
    seconds = seconds_in_state(status, now)
    if minutes is None or seconds is None or seconds <= minutes * 60:
        return None
    return minutes


def agent_row(agent: RosterAgent, status: Status, now: datetime, limits: Limits) -> dict[str, Any]:
    over = over_limit(agent, status, now, limits)
    return {
        "id": agent.id,
        "name": agent.name,
        "team": agent.team,
        "role": agent.role,
        "state": status.state.value,
        "state_label": LABELS[status.state],
        "reason": status.reason,
        "seconds_in_state": seconds_in_state(status, now),
        "limit_minutes": limits.minutes(agent, status.reason)
        if status.state is State.NOT_READY
        else None,
        "over_limit": over is not None,
    }


def agent_rows(
    roster: Mapping[str, RosterAgent],
    statuses: Mapping[str, Status],
    now: datetime,
    limits: Limits,
) -> list[dict[str, Any]]:
    """Every agent in the roster, by state (on a call, Ready, Not Ready, logged out), longest
    in their state first within each."""
    rows = [
        agent_row(
            agent, statuses.get(agent.id) or Status(State.LOGGED_OUT, since=None), now, limits
        )
        for agent in roster.values()
    ]
    return sorted(
        rows, key=lambda r: (ORDER[State(r["state"])], -(r["seconds_in_state"] or 0), r["id"])
    )


def visible_rows(rows: list[dict[str, Any]], principal: Principal) -> list[dict[str, Any]]:
    """An agent sees their own row only; leads, supervisors and the admin see everyone (as
    the API's agent list shows them)."""
    if principal.role == "agent":
        return [row for row in rows if row["id"] == principal.agent_id]
    return rows


class AgentsPanel:
    name = "agents"
    for_agents = True

    def __init__(
        self,
        *,
        roster: Callable[[], Mapping[str, RosterAgent]],
        statuses: Callable[[], Mapping[str, Status]],
        limits: Limits,
    ) -> None:
        self._roster = roster
        self._statuses = statuses
        self._limits = limits

    async def build(self, now: datetime) -> list[dict[str, Any]]:
        return agent_rows(self._roster(), self._statuses(), now, self._limits)

    def view(self, data: list[dict[str, Any]], principal: Principal) -> list[dict[str, Any]]:
        return visible_rows(data, principal)
