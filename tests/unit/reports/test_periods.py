"""Spans and buckets in the policy's zone: days across a clock change last 23 or 25 hours,
buckets of minutes keep to the local quarter hours and the repeated hour is two buckets,
weeks start on Monday."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ccc_telephony.reports.periods import Bucket, Span, bucket_start, bucket_starts

CHICAGO = ZoneInfo("America/Chicago")
# 2026's clock changes in Chicago: 8 March (02:00 -> 03:00) and 1 November (02:00 -> 01:00).
SPRING, FALL = date(2026, 3, 8), date(2026, 11, 1)


def local(day: date, hour: int, minute: int = 0, fold: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CHICAGO, fold=fold)


def test_a_day_is_local_midnight_to_midnight_even_when_the_clock_changes() -> None:
    for day, hours in ((SPRING, 23), (FALL, 25), (date(2026, 6, 1), 24)):
        span = Span.of_days(day, day, CHICAGO)
        assert span.end - span.start == timedelta(hours=hours)
        assert span.start == local(day, 0)


def test_quarter_hours_keep_to_the_local_clock_across_the_spring_change() -> None:
    span = Span.of_days(SPRING, SPRING, CHICAGO)
    starts = list(bucket_starts(Bucket.MIN15, span))
    assert len(starts) == 23 * 4
    assert local(SPRING, 3, 0) in starts and local(SPRING, 3, 15) in starts
    assert bucket_start(local(SPRING, 3, 20), Bucket.MIN15, span) == local(SPRING, 3, 15)


def test_the_hour_repeated_in_the_fall_is_two_buckets() -> None:
    span = Span.of_days(FALL, FALL, CHICAGO)
    starts = list(bucket_starts(Bucket.MIN60, span))
    assert len(starts) == 25
    first = local(FALL, 1, 30).astimezone(UTC)
    second = local(FALL, 1, 30, fold=1).astimezone(UTC)
    assert second - first == timedelta(hours=1)
    assert bucket_start(first, Bucket.MIN60, span) != bucket_start(second, Bucket.MIN60, span)


def test_weeks_start_on_monday_and_months_on_the_first() -> None:
    span = Span.of_days(date(2026, 2, 1), date(2026, 3, 31), CHICAGO)
    wednesday = local(date(2026, 3, 11), 10)
    assert bucket_start(wednesday, Bucket.WEEK, span) == local(date(2026, 3, 9), 0)
    assert bucket_start(wednesday, Bucket.MONTH, span) == local(date(2026, 3, 1), 0)
    months = list(bucket_starts(Bucket.MONTH, span))
    assert months == [local(date(2026, 2, 1), 0), local(date(2026, 3, 1), 0)]


def test_a_bucket_start_is_the_same_moment_in_utc() -> None:
    span = Span.of_days(date(2026, 6, 1), date(2026, 6, 1), CHICAGO)
    moment = datetime(2026, 6, 1, 15, 7, tzinfo=UTC)  # 10:07 in Chicago
    assert bucket_start(moment, Bucket.MIN30, span) == local(date(2026, 6, 1), 10)


@pytest.mark.parametrize("bucket", list(Bucket))
def test_every_bucket_of_a_span_is_listed_once_in_order(bucket: Bucket) -> None:
    span = Span.of_days(date(2026, 10, 25), date(2026, 11, 3), CHICAGO)
    starts = list(bucket_starts(bucket, span))
    assert starts == sorted(set(starts))
    assert starts[0] <= span.start < span.end
    assert all(bucket_start(start, bucket, span) == start for start in starts)
