"""The wallboard put together from what the service knows: the composition root passes the
agents' state, the queues' live snapshot and the policy as callables (no feature imports
another), and `today`, the reports' figures of the day so far, when it has them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.agents.states import Status
from ccc_telephony.config.agents import RosterAgent
from ccc_telephony.config.policy import Policy
from ccc_telephony.wallboard.agents import AgentsPanel, Limits
from ccc_telephony.wallboard.board import Wallboard
from ccc_telephony.wallboard.coverage import CoveragePanel
from ccc_telephony.wallboard.panel import Panel
from ccc_telephony.wallboard.promises import PromisesPanel
from ccc_telephony.wallboard.queues import QueuesPanel, Today


def make_wallboard(
    *,
    policy: Policy,
    engine: AsyncEngine,
    clock: Callable[[], datetime],
    roster: Callable[[], Mapping[str, RosterAgent]],
    statuses: Callable[[], Mapping[str, Status]],
    members: Callable[[], Mapping[str, set[str]]],
    staffed: Callable[[], set[str]],
    queue_snapshot: Callable[[], Awaitable[list[dict[str, Any]]]],
    today: Today | None,
) -> Wallboard:
    coverage = CoveragePanel(
        policy=policy.agents,
        members=members,
        statuses=statuses,
        roster=roster,
        staffed=staffed,
        clock=clock,
    )
    panels: list[Panel] = [
        QueuesPanel(policy=policy, live=queue_snapshot, today=today),
        AgentsPanel(roster=roster, statuses=statuses, limits=Limits(policy.agents, policy.reports)),
        coverage,
        PromisesPanel(
            engine=engine, messages_soon=timedelta(minutes=policy.returns.warn_before_minutes)
        ),
    ]
    return Wallboard(panels, clock=clock, followers=[coverage.on_agent_event])
