"""Promises kept: messages returned the same workday (by the due time the messages feature
set), escalation follow-ups within the policy's follow-up time (24 h), confidential
callbacks within 24 h. Per promise: owed, kept on time, kept late, open and not yet due,
missed (open past due), and the share kept on time of those settled or due."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.config.policy import Policy
from ccc_telephony.reports.definitions import definitions
from ccc_telephony.reports.figures import ratio
from ccc_telephony.reports.interval import window
from ccc_telephony.reports.periods import Bucket, Span
from ccc_telephony.store import reports as store


def kept_pct(row: dict[str, Any]) -> float | None:
    """Kept on time out of those that are due or done (an open promise not yet due is not
    counted for or against)."""
    return ratio(row["kept"], row["kept"] + row["late"] + row["missed"], 100)


async def promises_report(
    engine: AsyncEngine, policy: Policy, span: Span, now: datetime
) -> dict[str, Any]:
    rows = await store.promises(engine, window(span, Bucket.DAY), now)
    return {
        "report": "promises",
        "from": span.start.astimezone(span.zone).isoformat(),
        "to": span.end.astimezone(span.zone).isoformat(),
        "definitions": definitions(policy.reports, zone=span.zone.key)
        | {
            "messages_returned_same_workday": "returned (or found unreachable) by the due time",
            "escalation_followups_24h": (
                "the lead marked it researching or resolved by the due time (its last change)"
            ),
            "confidential_callbacks_24h": "done (or unreachable) by the due time",
            "kept_pct": "kept on time, out of kept, late and missed",
        },
        "rows": [row | {"kept_pct": kept_pct(row)} for row in rows],
    }
