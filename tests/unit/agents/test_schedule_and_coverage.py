"""Help-queue shifts, protected time and the coverage guard, on the consortium's defaults."""

from __future__ import annotations

from datetime import time

import pytest

from ccc_telephony.agents.coverage import shortfalls
from ccc_telephony.agents.schedule import in_protected_time, on_hq_shift, queues_for
from ccc_telephony.config.agents import AgentPolicy, RosterAgent

POLICY = AgentPolicy()
LEAD_AM = RosterAgent(
    id="l1",
    name="Lee",
    extension="2001",
    team="ebd",
    role="lead",
    hq_shift="am",
    languages=["en", "es"],
)
LEAD_PM = RosterAgent(
    id="l2", name="Pat", extension="2002", team="family", role="lead", hq_shift="pm"
)
WORKER = RosterAgent(
    id="w1",
    name="Kia",
    extension="1001",
    team="family",
    languages=["en", "hmn"],
    protected_start=time(9, 30),
)
ROSTER = {a.id: a for a in (LEAD_AM, LEAD_PM, WORKER)}


@pytest.mark.parametrize(
    ("agent", "now", "on"),
    [
        (LEAD_AM, time(8, 0), True),
        (LEAD_AM, time(12, 14), True),
        (LEAD_AM, time(12, 15), False),
        (LEAD_PM, time(12, 0), True),
        (LEAD_PM, time(16, 0), False),
        (WORKER, time(10, 0), False),
    ],
)
def test_hq_shifts(agent: RosterAgent, now: time, on: bool) -> None:
    assert on_hq_shift(POLICY, agent, now) is on


def test_protected_time_lasts_the_teams_minutes() -> None:
    assert POLICY.protected_window(WORKER).end == time(11, 0)  # Family: 90 minutes
    ebd = WORKER.model_copy(update={"team": "ebd"})
    assert POLICY.protected_window(ebd).end == time(12, 0)  # EBD: 2.5 hours
    assert in_protected_time(POLICY, WORKER, time(9, 30))
    assert not in_protected_time(POLICY, WORKER, time(11, 0))
    default = WORKER.model_copy(update={"protected_start": None})
    assert POLICY.protected_window(default).start == POLICY.default_protected_start


def test_queues_follow_team_shift_and_languages() -> None:
    assert queues_for(POLICY, WORKER, time(10), first_language="en") == {"family", "family_hmn"}
    assert queues_for(POLICY, LEAD_AM, time(9), first_language="en") == {
        "ebd",
        "ebd_es",
        "help",
        "help_es",
    }
    assert queues_for(POLICY, LEAD_AM, time(13), first_language="en") == {"ebd", "ebd_es"}


def test_the_last_ready_lead_may_not_leave_the_help_queue() -> None:
    members = {"help": {"l1", "l2"}}
    found = shortfalls(
        POLICY, LEAD_AM, members=members, ready={"l1"}, roster=ROSTER, staffed={"help"}
    )
    assert [(s.rule, s.mode) for s in found] == [
        ("ready_leads", "enforce"),
        ("ready_speakers:es", "enforce"),
    ]
    assert "0 Ready lead" in found[0].message


def test_another_ready_lead_lets_a_lead_go() -> None:
    lead = LEAD_PM
    found = shortfalls(
        POLICY,
        lead,
        members={"help": {"l1", "l2"}},
        ready={"l1", "l2"},
        roster=ROSTER,
        staffed={"help"},
    )
    assert found == []


def test_no_guard_outside_the_queue_hours_or_for_non_members() -> None:
    assert (
        shortfalls(
            POLICY, LEAD_AM, members={"help": {"l1"}}, ready={"l1"}, roster=ROSTER, staffed=set()
        )
        == []
    )
    assert (
        shortfalls(
            POLICY, WORKER, members={"help": {"l1"}}, ready={"w1"}, roster=ROSTER, staffed={"help"}
        )
        == []
    )


def test_last_hmong_speaker_in_family_is_a_warning_only() -> None:
    found = shortfalls(
        POLICY,
        WORKER,
        members={"family": {"w1", "l2"}},
        ready={"w1", "l2"},
        roster=ROSTER,
        staffed={"family"},
    )
    assert [(s.queue, s.rule, s.mode) for s in found] == [("family", "ready_speakers:hmn", "warn")]
