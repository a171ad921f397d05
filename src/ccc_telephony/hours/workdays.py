"""Business days and staff shifts: when a promised return call falls due.

A message left in a worker's mailbox is returned the same workday, before their shift ends; a
message left on the main number after hours by noon of the next business day; a confidential
case gets its call back within 24 hours, inside the assigned worker's call-center shift. These
are pure functions of the policy (hours, holidays, shifts, time zone) and the moment given, so
every feature that promises a call computes due times the same way.

A business day is a day on which the policy's operator hours open and that is not a holiday
(an admin's override of today's hours is a decision about the phones, not about promises).
An agent of None stands for the policy's default shift (an owner no longer in the roster).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from ccc_telephony.config.agents import RosterAgent
from ccc_telephony.config.policy import WEEKDAYS, Policy

# How far ahead a due time is looked for: past any run of holidays and weekends.
SEARCH_DAYS = 60


@dataclass(frozen=True, slots=True)
class Shift:
    """One business day's stretch of an agent's shift, as aware moments."""

    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class ShiftDue:
    """A due time inside a worker's shift; `within` False when the span asked for held too
    little of their shift (none, or less than the minimum asked): the end of their next shift
    is given instead, and the promised hours could not be met."""

    at: datetime
    within: bool


class Workdays:
    def __init__(self, policy: Policy) -> None:
        self._policy = policy
        self._holidays = {holiday.date for holiday in policy.holidays}

    def is_business_day(self, day: date) -> bool:
        if day in self._holidays:
            return False
        return bool(self._policy.hours.get(WEEKDAYS[day.weekday()]))

    def shifts(self, agent: RosterAgent | None, start: datetime, end: datetime) -> list[Shift]:
        """The agent's shift stretches that overlap [start, end), clipped to it, in order."""
        _aware(start)
        found: list[Shift] = []
        for day in self._days(start, end):
            whole = self._shift_on(agent, day)
            if whole is None:
                continue
            clipped = Shift(start=max(whole.start, start), end=min(whole.end, end))
            if clipped.start < clipped.end:
                found.append(clipped)
        return found

    def same_workday_due(self, agent: RosterAgent | None, received_at: datetime) -> datetime:
        """Before the end of the owner's shift that business day; a message that came after
        it (or on a day off) is due by the end of their next shift."""
        return self._next_shift(agent, received_at).end

    def next_business_noon(self, received_at: datetime) -> datetime:
        """An after-hours message: the policy's `messages.after_hours_due` (noon) of the next
        business day after the day it came in, or of that day itself when it came in before
        it opened."""
        local = received_at.astimezone(self._policy.zone)
        day = local.date()
        if not (self.is_business_day(day) and local.time() < self._opening(day)):
            day = self._next_business_day(day)
        due = self._policy.messages.after_hours_due
        return datetime.combine(day, due, tzinfo=self._policy.zone)

    def within_shift_due(
        self,
        agent: RosterAgent | None,
        created_at: datetime,
        hours: int = 24,
        min_shift_minutes: int = 0,
    ) -> ShiftDue:
        """The latest moment no later than `hours` after `created_at` that is inside the
        worker's shift; when that span holds none of their shift, or less of it than
        `min_shift_minutes` (a minute before the shift ends on a Friday is no time to call
        back in), the end of their next shift after the span."""
        limit = created_at + timedelta(hours=hours)
        stretches = self.shifts(agent, created_at, limit)
        held = sum((s.end - s.start for s in stretches), timedelta())
        if stretches and held >= timedelta(minutes=min_shift_minutes):
            return ShiftDue(at=stretches[-1].end, within=True)
        return ShiftDue(at=self._next_shift(agent, limit).end, within=False)

    # --- helpers ------------------------------------------------------------------------
    def _shift_on(self, agent: RosterAgent | None, day: date) -> Shift | None:
        if not self.is_business_day(day):
            return None
        window = self._policy.agents.shift_of(agent)
        zone = self._policy.zone
        return Shift(
            start=datetime.combine(day, window.start, tzinfo=zone),
            end=datetime.combine(day, window.end, tzinfo=zone),
        )

    def _next_shift(self, agent: RosterAgent | None, moment: datetime) -> Shift:
        """The shift in progress at `moment`, else the next one to start."""
        _aware(moment)
        for day in self._days(moment, moment + timedelta(days=SEARCH_DAYS)):
            shift = self._shift_on(agent, day)
            if shift is not None and moment < shift.end:
                return shift
        raise ValueError(f"no business day within {SEARCH_DAYS} days of {moment.isoformat()}")

    def _next_business_day(self, day: date) -> date:
        for offset in range(1, SEARCH_DAYS + 1):
            candidate = day + timedelta(days=offset)
            if self.is_business_day(candidate):
                return candidate
        raise ValueError(f"no business day within {SEARCH_DAYS} days of {day.isoformat()}")

    def _opening(self, day: date) -> time:
        return min(interval.open for interval in self._policy.hours[WEEKDAYS[day.weekday()]])

    def _days(self, start: datetime, end: datetime) -> list[date]:
        zone = self._policy.zone
        first = start.astimezone(zone).date()
        last = end.astimezone(zone).date()
        return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _aware(moment: datetime) -> None:
    if moment.tzinfo is None:
        raise ValueError("moments must be timezone-aware")
