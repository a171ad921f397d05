"""The wallboard put together from what the service knows: the composition root passes the
agents' state, the queues' live snapshot and the policy as callables (no feature imports
another), and `today`, the reports' figures of the day so far, when it has them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.agents.states import Status
from ccc_telephony.asterisk.queues import Caller, Member
from ccc_telephony.config.agents import RosterAgent
from ccc_telephony.config.policy import Policy
from ccc_telephony.wallboard.agents import AgentsPanel, Limits
from ccc_telephony.wallboard.board import Wallboard
from ccc_telephony.wallboard.coverage import CoveragePanel
from ccc_telephony.wallboard.line import CallersInLine
from ccc_telephony.wallboard.panel import Panel
from ccc_telephony.wallboard.promises import PromisesPanel
from ccc_telephony.wallboard.queues import QueueSnapshot, QueuesPanel, Today


def make_wallboard(
    *,
    policy: Policy,
    engine: AsyncEngine,
    clock: Callable[[], datetime],
    roster: Callable[[], Mapping[str, RosterAgent]],
    statuses: Callable[[], Mapping[str, Status]],
    members: Callable[[], Mapping[str, set[str]]],
    staffed: Callable[[], set[str]],
    queue_snapshot: QueueSnapshot,
    queue_status: Callable[[], Awaitable[tuple[list[Member], list[Caller]]]],
    today: Today | None,
) -> Wallboard:
    """`queue_status()`: app_queue's members and callers (one AMI QueueStatus)."""

    async def callers() -> list[Caller]:
        return (await queue_status())[1]

    line = CallersInLine(callers)
    coverage = CoveragePanel(
        policy=policy.agents,
        members=members,
        statuses=statuses,
        roster=roster,
        staffed=staffed,
        clock=clock,
    )
    panels: list[Panel] = [
        QueuesPanel(policy=policy, line=line, live=queue_snapshot, today=today),
        AgentsPanel(roster=roster, statuses=statuses, limits=Limits(policy.agents, policy.reports)),
        coverage,
        PromisesPanel(
            engine=engine, messages_soon=timedelta(minutes=policy.returns.warn_before_minutes)
        ),
    ]
    return Wallboard(
        panels,
        clock=clock,
        followers=[coverage.on_agent_event],
        call_followers=[line.on_call_event],
    )
