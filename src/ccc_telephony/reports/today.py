"""Today's figures per queue for the wallboard: the interval report's day bucket, for every
queue of the policy (a queue with no calls yet shows zeros)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.config.policy import Policy
from ccc_telephony.reports.figures import QueueCounts, figures
from ccc_telephony.reports.interval import window
from ccc_telephony.reports.periods import Bucket, Span
from ccc_telephony.store import reports as store

FIELDS = ("offered", "answered", "abandoned", "service_level_pct", "asa_seconds")


async def today_by_queue(
    engine: AsyncEngine, policy: Policy, now: datetime
) -> dict[str, dict[str, Any]]:
    """Per queue, today in the policy's zone: offered, answered, abandoned, service_level_pct
    (None before any call counts) and asa_seconds (None before any answer)."""
    day = now.astimezone(policy.zone).date()
    span = Span.of_days(day, day, policy.zone)
    rows = await store.queue_counts(engine, window(span, Bucket.DAY), policy.reports, None)
    counts = {row.pop("queue"): QueueCounts(**_without(row, "bucket")) for row in rows}
    return {
        queue: {key: figures(counts.get(queue, QueueCounts()))[key] for key in FIELDS}
        for queue in sorted(set(policy.queues) | set(counts))
    }


def _without(row: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k != key}
