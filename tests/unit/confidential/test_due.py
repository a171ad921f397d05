"""When a confidential case's call back is due: within the policy's 24 hours and inside the
assigned worker's call-center shift (the default policy: Mon-Fri, Chicago, its holidays; the
default shift 08:00-16:30 or the worker's own), counted from the moment the case was marked."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from ccc_telephony.config.agents import RosterAgent, Window
from ccc_telephony.config.policy import Policy
from ccc_telephony.hours.workdays import Workdays

CHICAGO = ZoneInfo("America/Chicago")
WORKER = RosterAgent(id="ana", name="Ana", extension="2001", team="ebd")
LATE = WORKER.model_copy(update={"shift": Window(start=time(12, 0), end=time(20, 0))})


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CHICAGO)


@pytest.mark.parametrize(
    ("worker", "marked", "due", "within"),
    [
        # Across the shift's end: marked near it, due the next day at the same hour.
        (WORKER, "2026-12-08T16:00", "2026-12-09T16:00", True),
        # Marked at the shift's end exactly: the next day's shift, cut at 24 h.
        (WORKER, "2026-12-08T16:30", "2026-12-09T16:30", True),
        # A weekend: Saturday holds no shift; Friday's rest, else Monday's end (not in 24 h).
        (WORKER, "2026-12-11T15:00", "2026-12-11T16:30", True),
        # Friday a minute before the shift ends: less than the policy's hour, Monday's end.
        (WORKER, "2026-12-11T16:29", "2026-12-14T16:30", False),
        (WORKER, "2026-12-12T10:00", "2026-12-14T16:30", False),
        # Holidays: Christmas Eve and Day, then the weekend: Monday's end, not within 24 h.
        (WORKER, "2026-12-23T17:00", "2026-12-28T16:30", False),
        # The day before Thanksgiving, mid-shift: the rest of that day.
        (WORKER, "2026-11-25T09:00", "2026-11-25T16:30", True),
        # The worker's own shift (12:00-20:00): evenings count, mornings do not.
        (LATE, "2026-12-08T21:00", "2026-12-09T20:00", True),
        (LATE, "2026-12-08T09:00", "2026-12-08T20:00", True),
        (LATE, "2026-12-08T13:00", "2026-12-09T13:00", True),
    ],
)
def test_the_call_back_falls_inside_the_workers_shift_within_the_promised_hours(
    policy: Policy, worker: RosterAgent, marked: str, due: str, within: bool
) -> None:
    hours, least = policy.confidential.callback_hours, policy.confidential.min_shift_minutes
    found = Workdays(policy).within_shift_due(worker, at(marked), hours, least)
    assert (found.at, found.within) == (at(due), within)
    assert found.at <= at(marked) + timedelta(hours=hours) or not within
