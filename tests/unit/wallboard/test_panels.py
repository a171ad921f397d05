"""The wallboard's panel rules: time in state, Not Ready past its limit (per reason, and
protected time per team), who sees which agent rows, coverage against its rule, and a
viewer sent only what changed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ccc_telephony.agents.states import State, Status
from ccc_telephony.config.agents import AgentPolicy
from ccc_telephony.config.policy import Policy
from ccc_telephony.config.reports import Reports
from ccc_telephony.wallboard.agents import Limits, agent_rows, over_limit, visible_rows
from ccc_telephony.wallboard.board import Viewer
from ccc_telephony.wallboard.coverage import coverage_rows
from ccc_telephony.wallboard.queues import queue_rows
from ccc_telephony.web.auth import ADMIN
from tests.unit.staff import ROSTER, principal

NOW = datetime(2030, 3, 5, 15, 0, tzinfo=UTC)
LIMITS = Limits(AgentPolicy(), Reports())


def _ago(minutes: float, state: State = State.NOT_READY, reason: str | None = None) -> Status:
    return Status(state, since=NOW - timedelta(minutes=minutes), reason=reason)


def test_a_not_ready_is_over_its_reasons_limit_only_once_past_it() -> None:
    ann = ROSTER["ann"]
    assert over_limit(ann, _ago(15, reason="On Break"), NOW, LIMITS) is None
    assert over_limit(ann, _ago(15.1, reason="On Break"), NOW, LIMITS) == 15
    assert over_limit(ann, _ago(500, State.READY), NOW, LIMITS) is None
    assert over_limit(ann, _ago(500, reason="No such limit"), NOW, LIMITS) is None


def test_protected_time_is_held_to_the_teams_minutes() -> None:
    ebd, family = ROSTER["ann"], ROSTER["cy"]
    protected = _ago(100, reason="Protected time")
    assert over_limit(ebd, protected, NOW, LIMITS) is None  # EBD: 150 minutes
    assert over_limit(family, protected, NOW, LIMITS) == 90


def test_rows_run_from_calls_to_logged_out_with_time_in_state() -> None:
    statuses = {
        "ann": _ago(2, State.READY),
        "bob": _ago(1, State.CALL_INBOUND),
        "cy": _ago(20, reason="On Break"),
        "dee": _ago(9, State.READY),
    }
    rows = agent_rows(ROSTER, statuses, NOW, LIMITS)
    assert [r["id"] for r in rows[:4]] == ["bob", "dee", "ann", "cy"]
    cy = rows[3]
    assert (cy["seconds_in_state"], cy["over_limit"], cy["limit_minutes"]) == (1200, True, 15)
    never = next(r for r in rows if r["id"] == "boss")
    assert (never["state_label"], never["seconds_in_state"]) == ("Logged out", None)
    # A clock behind a state's start (moved back) never shows a negative time.
    ahead = agent_rows({"ann": ROSTER["ann"]}, {"ann": _ago(-1, State.READY)}, NOW, LIMITS)
    assert ahead[0]["seconds_in_state"] == 0


def test_an_agent_sees_only_their_own_row() -> None:
    rows = agent_rows(ROSTER, {}, NOW, LIMITS)
    assert [r["id"] for r in visible_rows(rows, principal("ann"))] == ["ann"]
    assert len(visible_rows(rows, principal("lead"))) == len(ROSTER)
    assert len(visible_rows(rows, ADMIN)) == len(ROSTER)


def test_coverage_counts_ready_leads_and_speakers_in_the_queue() -> None:
    policy = AgentPolicy()
    members = {"lead": {"help", "ebd"}, "ann": {"ebd"}, "bob": {"ebd"}}
    statuses = {"lead": _ago(5, State.READY), "ann": _ago(5, State.READY)}
    rows = {
        r["queue"]: r
        for r in coverage_rows(
            policy, members=members, statuses=statuses, roster=ROSTER, staffed={"help"}
        )
    }
    help_checks = {c["what"]: (c["count"], c["short"]) for c in rows["help"]["checks"]}
    assert help_checks["Ready leads"] == (1, False)
    assert help_checks["Ready es speakers"] == (0, True)
    assert rows["help"]["staffed"] and not rows["ebd"]["staffed"]


def test_a_viewer_is_sent_only_the_panels_that_changed() -> None:
    viewer = Viewer(ADMIN)
    viewer.offer({"queues": "[1]", "agents": "[2]"}, NOW)
    assert viewer.pending == {"queues": "[1]", "agents": "[2]"}
    viewer.pending, viewer.pending_since = {}, None
    viewer.offer({"queues": "[1]", "agents": "[3]"}, NOW + timedelta(seconds=1))
    assert viewer.pending == {"agents": "[3]"}
    viewer.offer({"queues": "[4]"}, NOW + timedelta(seconds=2))  # not yet sent: merged ...
    assert viewer.pending == {"agents": "[3]", "queues": "[4]"}
    assert viewer.pending_since == NOW + timedelta(seconds=1)  # ... dating from the older
    viewer.offer({"queues": "[4]"}, NOW + timedelta(seconds=3))  # nothing new for this viewer
    assert viewer.pending_since == NOW + timedelta(seconds=1)


def test_queue_rows_carry_todays_figures_when_there_are_some(policy: Policy) -> None:
    live = [
        {
            "queue": "ebd",
            "callers_waiting": 2,
            "longest_wait_seconds": 75,
            "agents": {"ready": ["a"]},
        },
        {"queue": "ebd_es", "callers_waiting": 0, "longest_wait_seconds": 0, "agents": {}},
    ]
    today = {"ebd": {"offered": 40, "answered": 35, "abandoned": 5, "service_level_pct": 81.5}}
    ebd, spanish = queue_rows(live, today, policy)
    assert (ebd["label"], spanish["label"]) == ("EBD", "EBD · Spanish")
    assert (ebd["callers_waiting"], ebd["agents_ready"], ebd["agents_on_calls"]) == (2, 1, 0)
    assert (ebd["offered"], ebd["service_level_pct"], ebd["asa_seconds"]) == (40, 81.5, None)
    assert spanish["offered"] is None  # the page shows "—"
