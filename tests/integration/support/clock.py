"""The tests' clock and the moments they set it to, computed from today, never pinned.

The service decides everything by the clock it is given; the tests give it a `ShiftedClock`,
which runs at real speed from a chosen moment, so a test can be "open" or "closed" whatever the
hour of the run, while event times keep rising in order.

`CCC_TEST_TODAY=YYYY-MM-DD` makes the moments come from another day (e.g. a year ahead), to
prove that the suite passes on any date and that no decision reads the database's clock.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

CHICAGO = ZoneInfo("America/Chicago")
TUESDAY = 1


def today() -> date:
    given = os.environ.get("CCC_TEST_TODAY")
    return date.fromisoformat(given) if given else datetime.now(CHICAGO).date()


def next_tuesday(after: date, *, avoiding: Iterable[date] = ()) -> date:
    """The first Tuesday after `after` that is not one of `avoiding` (the policy's holidays)."""
    skip = set(avoiding)
    day = after + timedelta(days=1)
    while day.weekday() != TUESDAY or day in skip:
        day += timedelta(days=1)
    return day


def wednesday_weeks_ago(weeks: int) -> date:
    """The Wednesday `weeks` weeks before this week's (a past day whose data a test seeds)."""
    this_week = today() - timedelta(days=(today().weekday() - 2) % 7)
    return this_week - timedelta(weeks=weeks)


def last_fall_back() -> date:
    """The last day the clocks fell back in the US (the first Sunday of November, 02:00 ->
    01:00) before today: a 25-hour day."""
    year = today().year - (1 if (today().month, today().day) < (11, 8) else 0)
    first = date(year, 11, 1)
    return first + timedelta(days=(6 - first.weekday()) % 7)


class Moments:
    """A Tuesday in open hours, the same Tuesday's night, and a holiday the test policy adds
    (the Wednesday after), all in the policy's time zone."""

    def __init__(self, start: date, holidays: Iterable[date]) -> None:
        self.day = next_tuesday(start, avoiding=holidays)
        self.open = datetime.combine(self.day, time(10, 0), CHICAGO)
        self.night = datetime.combine(self.day, time(20, 0), CHICAGO)
        self.holiday = datetime.combine(self.day + timedelta(days=1), time(10, 0), CHICAGO)


class ShiftedClock:
    """Real time plus an offset. Its resting offset is how far `today()` is from the real
    date (none unless CCC_TEST_TODAY is set); `reset()` goes back to it."""

    def __init__(self) -> None:
        self.resting = timedelta(days=(today() - datetime.now(CHICAGO).date()).days)
        self.offset = self.resting

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def set(self, moment: datetime) -> None:
        self.offset = moment - datetime.now(UTC)

    def reset(self) -> None:
        self.offset = self.resting
