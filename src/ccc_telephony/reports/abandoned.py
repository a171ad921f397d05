"""The abandoned calls as a list, not just a percentage: when, which queue, the caller's
number, how long they waited and at which position, whether they were called back, and when
the same number or case reached a queue again (the first-contact link). Caller numbers are
call data: the HTTP route records every read."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.config.policy import Policy
from ccc_telephony.reports.definitions import definitions
from ccc_telephony.reports.interval import window
from ccc_telephony.reports.periods import Bucket, Span
from ccc_telephony.store import reports as store

DEFAULT_LIMIT = 10_000
MAX_LIMIT = 100_000


async def abandoned_report(
    engine: AsyncEngine,
    policy: Policy,
    span: Span,
    queues: Sequence[str] | None = None,
    *,
    limit: int = DEFAULT_LIMIT,
) -> dict[str, Any]:
    rules = policy.reports
    rows = await store.abandoned_visits(
        engine,
        window(span, Bucket.DAY),
        queues,
        again_within=timedelta(days=rules.repeat_contact_days),
        limit=limit + 1,
    )
    zone = span.zone

    def local(moment: Any) -> str | None:
        return None if moment is None else moment.astimezone(zone).isoformat()

    listed = [
        {
            "time": local(row["joined_at"]),
            "abandoned_at": local(row["ended_at"]),
            "queue": row["queue"],
            "caller_number": row["caller_number"],
            "wait_seconds": row["wait_seconds"],
            "position": row["position"],
            "short_abandon": (row["wait_seconds"] or 0) < rules.short_abandon_seconds,
            "called_back": row["called_back"],
            "called_again_at": local(row["called_again_at"]),
            "call_id": row["call_id"],
        }
        for row in rows[:limit]
    ]
    return {
        "report": "abandoned",
        "from": local(span.start),
        "to": local(span.end),
        "definitions": definitions(rules, zone=zone.key),
        "truncated": len(rows) > limit,
        "rows": listed,
    }
