"""A report's parameters: days (both included) or instants, today by default, and a clear
error naming the parameter for a bad day, a reversed or too long span, an unknown bucket or
queue."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ccc_telephony.reports.params import ParamError, Query, query_of
from ccc_telephony.reports.periods import Bucket

ZONE = ZoneInfo("America/Chicago")
TODAY = date(2026, 6, 10)
QUEUES = frozenset({"ebd", "family"})


def query(**given: str) -> Query:
    return query_of(given, zone=ZONE, today=TODAY, queues=QUEUES)


def test_no_dates_is_today_in_the_policy_zone() -> None:
    span = query().span
    assert span.start == datetime(2026, 6, 10, tzinfo=ZONE)
    assert span.end - span.start == timedelta(days=1)


def test_days_are_both_included_and_instants_are_taken_as_given() -> None:
    days = query(**{"from": "2026-06-01", "to": "2026-06-07"}).span
    assert days.end == datetime(2026, 6, 8, tzinfo=ZONE)
    instants = query(**{"from": "2026-06-01T10:00:00-05:00", "to": "2026-06-01T11:30:00-05:00"})
    assert instants.span.end - instants.span.start == timedelta(minutes=90)


def test_bucket_and_queue() -> None:
    chosen = query(bucket="15min", queue="ebd")
    assert (chosen.bucket, chosen.queues) == (Bucket.MIN15, ("ebd",))
    assert query().queues is None


@pytest.mark.parametrize(
    ("given", "named"),
    [
        ({"from": "2026-02-30"}, "from:"),
        ({"from": "yesterday"}, "from:"),
        ({"from": "2026-06-10", "to": "2026-06-01"}, "to:"),
        ({"from": "2025-01-01", "to": "2026-06-01"}, "to:"),
        ({"bucket": "5min"}, "bucket:"),
        ({"queue": "nowhere"}, "queue:"),
        ({"to": "x" * 5000}, "to:"),
    ],
)
def test_a_bad_parameter_is_named(given: dict[str, str], named: str) -> None:
    with pytest.raises(ParamError, match=f"^{named}"):
        query(**given)
