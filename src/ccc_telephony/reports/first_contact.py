"""First-contact resolution: of the answered calls whose case is known (its case number, or
the SSN's keyed hash the IVR stored), the share the same case did not call about again within
the policy's `repeat_contact_days`, by queue and agent, with a total per queue."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.config.policy import Policy
from ccc_telephony.reports.definitions import definitions
from ccc_telephony.reports.figures import ratio
from ccc_telephony.reports.interval import window
from ccc_telephony.reports.periods import Bucket, Span
from ccc_telephony.store import reports as store


def fcr_row(queue: str, agent: str | None, contacts: int, repeats: int) -> dict[str, Any]:
    return {
        "queue": queue,
        "agent": agent,
        "contacts": contacts,
        "repeat_contacts": repeats,
        "no_repeat_pct": ratio(contacts - repeats, contacts, 100),
    }


def with_totals(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The agents' rows of each queue, then the queue's total (agent None)."""
    out: list[dict[str, Any]] = []
    for queue in sorted({row["queue"] for row in rows}):
        mine = [row for row in rows if row["queue"] == queue]
        out.extend(fcr_row(queue, r["agent_id"], r["contacts"], r["repeats"]) for r in mine)
        contacts, repeats = sum(r["contacts"] for r in mine), sum(r["repeats"] for r in mine)
        out.append(fcr_row(queue, None, contacts, repeats))
    return out


async def first_contact_report(
    engine: AsyncEngine, policy: Policy, span: Span, queues: Sequence[str] | None = None
) -> dict[str, Any]:
    days = policy.reports.repeat_contact_days
    rows = await store.repeat_contacts(
        engine, window(span, Bucket.DAY), queues, within=timedelta(days=days)
    )
    return {
        "report": "first-contact",
        "from": span.start.astimezone(span.zone).isoformat(),
        "to": span.end.astimezone(span.zone).isoformat(),
        "definitions": definitions(policy.reports, zone=span.zone.key)
        | {
            "contact": "an answered call whose case is known (case number or the SSN's keyed hash)",
            "repeat_contact": f"the same case reached a queue again within {days} days",
            "no_repeat_pct": "contacts without a repeat, out of all contacts",
        },
        "rows": with_totals(rows),
    }
