"""Due times of promised return calls: the default policy (Mon-Fri 08:00-17:00, Chicago, the
holidays listed there) and the default shift 08:00-16:30."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from ccc_telephony.config.agents import RosterAgent, Window
from ccc_telephony.config.policy import Policy
from ccc_telephony.hours.workdays import Workdays

CHICAGO = ZoneInfo("America/Chicago")
WORKER = RosterAgent(id="ana", name="Ana", extension="2001", team="ebd")
EARLY = WORKER.model_copy(update={"shift": Window(start=time(7, 0), end=time(15, 0))})


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CHICAGO)


@pytest.fixture
def days(policy: Policy) -> Workdays:
    return Workdays(policy)


def test_business_days_skip_weekends_and_holidays(days: Workdays) -> None:
    assert days.is_business_day(at("2026-12-02T00:00").date())  # a Wednesday
    assert not days.is_business_day(at("2026-12-05T00:00").date())  # Saturday
    assert not days.is_business_day(at("2026-12-25T00:00").date())  # Christmas Day


@pytest.mark.parametrize(
    ("received", "due"),
    [
        ("2026-12-02T09:15", "2026-12-02T16:30"),  # during the shift: its end
        ("2026-12-02T07:00", "2026-12-02T16:30"),  # before it: that day's end
        ("2026-12-02T16:30", "2026-12-03T16:30"),  # at the end exactly: the next shift
        ("2026-12-04T17:00", "2026-12-07T16:30"),  # Friday evening: Monday
        ("2026-12-23T18:00", "2026-12-28T16:30"),  # Christmas Eve and Day, the weekend
    ],
)
def test_a_mailbox_message_is_due_by_the_end_of_the_workday(
    days: Workdays, received: str, due: str
) -> None:
    assert days.same_workday_due(WORKER, at(received)) == at(due)


def test_an_agents_own_shift_wins_over_the_default(days: Workdays) -> None:
    assert days.same_workday_due(EARLY, at("2026-12-02T14:00")) == at("2026-12-02T15:00")
    assert days.same_workday_due(EARLY, at("2026-12-02T15:30")) == at("2026-12-03T15:00")


@pytest.mark.parametrize(
    ("received", "due"),
    [
        ("2026-12-02T18:00", "2026-12-03T12:00"),  # Wednesday evening: Thursday noon
        ("2026-12-03T06:30", "2026-12-03T12:00"),  # before opening: the same day's noon
        ("2026-12-04T17:05", "2026-12-07T12:00"),  # Friday after closing: Monday
        ("2026-12-05T10:00", "2026-12-07T12:00"),  # Saturday
        ("2026-12-24T09:00", "2026-12-28T12:00"),  # on a holiday
    ],
)
def test_an_after_hours_message_is_due_by_the_next_business_noon(
    days: Workdays, received: str, due: str
) -> None:
    assert days.next_business_noon(at(received)) == at(due)


@pytest.mark.parametrize(
    ("created", "due", "within"),
    [
        ("2026-12-02T10:00", "2026-12-03T10:00", True),  # 24 h later is inside the shift
        ("2026-12-02T17:00", "2026-12-03T16:30", True),  # after the shift: the next one's end
        ("2026-12-02T07:00", "2026-12-02T16:30", True),  # 24 h ends before next day's shift
        ("2026-12-04T10:00", "2026-12-04T16:30", True),  # Friday: the rest of Friday
        ("2026-12-04T17:00", "2026-12-07T16:30", False),  # Friday evening: no shift in 24 h
    ],
)
def test_a_confidential_callback_falls_inside_the_workers_shift_within_a_day(
    days: Workdays, created: str, due: str, within: bool
) -> None:
    found = days.within_shift_due(WORKER, at(created))
    assert (found.at, found.within) == (at(due), within)


@pytest.mark.parametrize(
    ("created", "due", "within"),
    [
        ("2026-12-04T16:29", "2026-12-07T16:30", False),  # Friday, a minute left: Monday
        ("2026-12-04T15:30", "2026-12-04T16:30", True),  # Friday, the hour left is enough
        ("2026-12-02T16:29", "2026-12-03T16:29", True),  # a weekday: the next day counts
        ("2026-12-23T16:00", "2026-12-28T16:30", False),  # before Christmas: half an hour
    ],
)
def test_a_span_with_less_than_the_minimum_of_shift_time_is_due_at_the_next_shifts_end(
    days: Workdays, created: str, due: str, within: bool
) -> None:
    found = days.within_shift_due(WORKER, at(created), 24, min_shift_minutes=60)
    assert (found.at, found.within) == (at(due), within)


def test_no_minimum_keeps_any_shift_time_in_the_span(days: Workdays) -> None:
    found = days.within_shift_due(WORKER, at("2026-12-04T16:29"))
    assert (found.at, found.within) == (at("2026-12-04T16:30"), True)


def test_shifts_are_clipped_to_the_span(days: Workdays) -> None:
    spans = days.shifts(WORKER, at("2026-12-02T12:00"), at("2026-12-03T09:00"))
    assert [(s.start, s.end) for s in spans] == [
        (at("2026-12-02T12:00"), at("2026-12-02T16:30")),
        (at("2026-12-03T08:00"), at("2026-12-03T09:00")),
    ]


def test_naive_moments_are_refused(days: Workdays) -> None:
    with pytest.raises(ValueError, match="aware"):
        days.same_workday_due(WORKER, datetime(2026, 12, 2, 9, 0))
