"""The interval report: per queue and bucket (15/30/60 minutes, day, week, month), offered,
answered, abandoned, short abandons, service level, ASA, longest wait, handle time, transfers
out and escalations. Every bucket of the span is a row, those without calls too (a chart
shows a quiet hour as zero, not as a gap)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.config.policy import Policy
from ccc_telephony.reports.definitions import definitions
from ccc_telephony.reports.figures import QueueCounts, figures
from ccc_telephony.reports.periods import Bucket, Span, SpanError, bucket_starts
from ccc_telephony.store import reports as store
from ccc_telephony.store.reports import Window

# Rows of one queue: enough for 15 minutes over a month, 60 minutes over a quarter.
MAX_BUCKETS = 3000


def window(span: Span, bucket: Bucket) -> Window:
    unit = None if bucket.stride is not None else bucket.value
    return Window(
        start=span.start,
        end=span.end,
        zone=span.zone.key,
        origin=span.origin,
        stride=bucket.stride,
        unit=unit,
    )


def buckets_of(span: Span, bucket: Bucket) -> list[Any]:
    starts = []
    for start in bucket_starts(bucket, span):
        starts.append(start)
        if len(starts) > MAX_BUCKETS:
            raise SpanError(
                f"bucket: {bucket.value} buckets cover too long a span; choose a larger bucket"
            )
    return starts


async def interval_report(
    engine: AsyncEngine,
    policy: Policy,
    span: Span,
    bucket: Bucket,
    queues: Sequence[str] | None = None,
) -> dict[str, Any]:
    starts = buckets_of(span, bucket)
    rows = await store.queue_counts(engine, window(span, bucket), policy.reports, queues)
    found = {(row.pop("queue"), row.pop("bucket")): QueueCounts(**row) for row in rows}
    names = (
        list(queues) if queues is not None else sorted(set(policy.queues) | {q for q, _ in found})
    )
    ends = [*starts[1:], span.end]
    report_rows = [
        {
            "queue": queue,
            "start": start.astimezone(span.zone).isoformat(),
            "end": min(end, span.end).astimezone(span.zone).isoformat(),
            **figures(found.get((queue, start), QueueCounts())),
        }
        for queue in names
        for start, end in zip(starts, ends, strict=True)
    ]
    return {
        "report": "interval",
        "from": span.start.astimezone(span.zone).isoformat(),
        "to": span.end.astimezone(span.zone).isoformat(),
        "bucket": bucket.value,
        "definitions": definitions(policy.reports, zone=span.zone.key),
        "rows": report_rows,
    }
