from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ccc_telephony.hours.describe import describe_hours
from ccc_telephony.hours.rules import Override, Reason, status_at

CHICAGO = ZoneInfo("America/Chicago")


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=CHICAGO)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("moment", "is_open", "reason"),
    [
        (at(2026, 11, 23, 8, 0), True, Reason.OPEN),  # Monday, first minute
        (at(2026, 11, 23, 7, 59, 59), False, Reason.AFTER_HOURS),
        (at(2026, 11, 23, 16, 59, 59), True, Reason.OPEN),
        (at(2026, 11, 23, 17, 0), False, Reason.AFTER_HOURS),  # close is exclusive
        (at(2026, 11, 21, 10, 0), False, Reason.AFTER_HOURS),  # Saturday
        (at(2026, 11, 22, 10, 0), False, Reason.AFTER_HOURS),  # Sunday
        (at(2026, 11, 26, 10, 0), False, Reason.HOLIDAY),  # Thanksgiving, a Thursday
    ],
)
def test_schedule_and_holidays(policy, moment, is_open, reason) -> None:
    status = status_at(policy, moment)
    assert (status.open, status.reason) == (is_open, reason)


def test_clock_in_another_zone_is_converted(policy) -> None:
    # 13:30 UTC on a Monday in November is 07:30 in Chicago: still closed.
    assert not status_at(policy, datetime(2026, 11, 23, 13, 30, tzinfo=UTC)).open
    assert status_at(policy, datetime(2026, 11, 23, 14, 0, tzinfo=UTC)).open


def test_naive_clock_is_refused(policy) -> None:
    with pytest.raises(ValueError, match="aware"):
        status_at(policy, datetime(2026, 11, 23, 10, 0))


def test_holiday_name_is_reported(policy) -> None:
    assert status_at(policy, at(2026, 12, 25, 9, 0)).holiday == "Christmas Day"


def test_override_closed_wins_until_it_expires(policy) -> None:
    now = at(2026, 11, 23, 10, 0)
    snow_day = Override(open=False, until=now + timedelta(hours=2), reason="snow day")
    assert status_at(policy, now, snow_day).reason == Reason.OVERRIDE_CLOSED
    assert not status_at(policy, now, snow_day).open
    assert status_at(policy, now + timedelta(hours=2), snow_day).reason == Reason.OPEN


def test_override_open_on_a_holiday(policy) -> None:
    now = at(2026, 11, 26, 10, 0)
    emergency = Override(open=True, until=now + timedelta(minutes=30), reason="emergency")
    status = status_at(policy, now, emergency)
    assert status.open and status.reason == Reason.OVERRIDE_OPEN and status.override == emergency


def test_hours_described_in_each_language(policy) -> None:
    assert describe_hours(policy, "en") == "Monday through Friday, 8 AM to 5 PM"
    assert describe_hours(policy, "es") == "de lunes a viernes, de 8:00 a 17:00"
