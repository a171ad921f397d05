"""The span a report covers and the buckets it is cut into, in the policy's time zone.

A day is local midnight to local midnight, so the day a clock changes lasts 23 or 25 hours;
a week starts on Monday. Buckets of minutes are counted from the span's first local midnight
in absolute time: with a whole-hour clock change they keep to the local quarter hours, and the
hour repeated in the fall is two buckets, never one bucket of two hours.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

# A longer span is a typing mistake, and a year's report is the largest the bench measures.
MAX_DAYS = 400


class Bucket(StrEnum):
    MIN15 = "15min"
    MIN30 = "30min"
    MIN60 = "60min"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"

    @property
    def stride(self) -> timedelta | None:
        """The length of a bucket of minutes; None for calendar buckets."""
        minutes = {"15min": 15, "30min": 30, "60min": 60}.get(self.value)
        return None if minutes is None else timedelta(minutes=minutes)


@dataclass(frozen=True, slots=True)
class Span:
    """[start, end) in absolute time, with the zone its days and buckets are read in."""

    start: datetime
    end: datetime
    zone: ZoneInfo

    @classmethod
    def of_days(cls, first: date, last: date, zone: ZoneInfo) -> Span:
        """From the first day's local midnight to the midnight after the last day."""
        return cls(
            local_midnight(first, zone), local_midnight(last + timedelta(days=1), zone), zone
        )

    @property
    def origin(self) -> datetime:
        """The local midnight buckets of minutes are counted from."""
        return local_midnight(self.start.astimezone(self.zone).date(), self.zone)


class SpanError(ValueError):
    """A span a report cannot cover; the message names the parameter."""


def checked(span: Span) -> Span:
    if span.end <= span.start:
        raise SpanError("to: must be after from")
    if span.end - span.start > timedelta(days=MAX_DAYS, hours=1):
        raise SpanError(f"to: a report covers at most {MAX_DAYS} days")
    return span


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def bucket_start(instant: datetime, bucket: Bucket, span: Span) -> datetime:
    """The start (in UTC) of the bucket `instant` falls in; the same rule as the SQL's."""
    stride = bucket.stride
    if stride is not None:
        origin = span.origin
        return origin + stride * ((instant - origin) // stride)
    local = instant.astimezone(span.zone).date()
    if bucket is Bucket.WEEK:
        local -= timedelta(days=local.weekday())
    elif bucket is Bucket.MONTH:
        local = local.replace(day=1)
    return local_midnight(local, span.zone)


def bucket_starts(bucket: Bucket, span: Span) -> Iterator[datetime]:
    """Every bucket the span touches, in order (those with no calls too)."""
    at = bucket_start(span.start, bucket, span)
    while at < span.end:
        yield at
        at = _next(at, bucket, span)


def _next(start: datetime, bucket: Bucket, span: Span) -> datetime:
    stride = bucket.stride
    if stride is not None:
        return start + stride
    day = start.astimezone(span.zone).date()
    if bucket is Bucket.DAY:
        day += timedelta(days=1)
    elif bucket is Bucket.WEEK:
        day += timedelta(days=7)
    else:
        day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return local_midnight(day, span.zone)
