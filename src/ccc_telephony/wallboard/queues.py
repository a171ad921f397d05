"""The queues panel: per queue, callers waiting and the longest wait now (app_queue's own
account kept up to date by the queue events: line.py), agents Ready and on calls (the agents
feature's), and today's figures.

Today's figures come from an injected provider `today(now)` (the reports' day so far per
queue); without one, or when it fails, they are None and the page shows "—": the live part
never waits for, or falls with, a report.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

import structlog

from ccc_telephony.asterisk.queues import Caller
from ccc_telephony.config.policy import Policy
from ccc_telephony.wallboard.line import CallersInLine
from ccc_telephony.web.auth import Principal

log = structlog.get_logger(__name__)

QueueSnapshot = Callable[[list[Caller]], Awaitable[list[dict[str, Any]]]]
Today = Callable[[datetime], Awaitable[Mapping[str, Mapping[str, Any]]]]
# Today's figures are a report over the day's calls: read at most this often, however many
# events arrive (the live part, callers waiting, follows every event).
TODAY_SECONDS = 5.0
TODAY_FIGURES = ("offered", "answered", "abandoned", "service_level_pct", "asa_seconds")


def queue_label(queue: str, policy: Policy) -> str:
    """The queue as the floor calls it: "EBD", "Family", "EBD · Spanish"."""
    base, _, language = queue.partition("_")
    name = base.upper() if len(base) <= 3 else base.capitalize()
    if not language:
        return name
    languages = {lang.code: lang.name for lang in policy.languages}
    return f"{name} · {languages.get(language, language)}"


def queue_rows(
    live: list[dict[str, Any]], today: Mapping[str, Mapping[str, Any]], policy: Policy
) -> list[dict[str, Any]]:
    """One row per queue, in the agents feature's order (the policy's queues, then each one's
    language queues)."""
    rows = []
    for entry in live:
        queue = entry["queue"]
        figures = today.get(queue, {})
        agents = entry.get("agents", {})
        rows.append(
            {
                "queue": queue,
                "label": queue_label(queue, policy),
                "callers_waiting": entry["callers_waiting"],
                "longest_wait_seconds": entry["longest_wait_seconds"],
                "agents_ready": len(agents.get("ready", [])),
                "agents_on_calls": len(agents.get("call_inbound", [])),
                **{key: figures.get(key) for key in TODAY_FIGURES},
            }
        )
    return rows


class QueuesPanel:
    name = "queues"
    for_agents = True

    def __init__(
        self, *, policy: Policy, line: CallersInLine, live: QueueSnapshot, today: Today | None
    ) -> None:
        """`live(callers)`: the agents feature's rows per queue for these callers waiting."""
        self._policy = policy
        self._line = line
        self._live = live
        self._today = today
        self._figures: Mapping[str, Mapping[str, Any]] = {}
        self._figures_read = -TODAY_SECONDS

    async def build(self, now: datetime) -> list[dict[str, Any]]:
        live = await self._live(await self._line.callers(now))
        return queue_rows(live, await self._today_figures(now), self._policy)

    async def _today_figures(self, now: datetime) -> Mapping[str, Mapping[str, Any]]:
        if self._today is None or time.monotonic() - self._figures_read < TODAY_SECONDS:
            return self._figures
        self._figures_read = time.monotonic()
        try:
            self._figures = await self._today(now)
        except Exception as exc:
            log.warning("today's queue figures unavailable", error=type(exc).__name__)
            self._figures = {}
        return self._figures

    def view(self, data: list[dict[str, Any]], principal: Principal) -> list[dict[str, Any]]:
        return data
