"""The agent report's sums (states and Not Ready reasons, protected time against the team's
standard for the days logged in) and first-contact resolution's totals per queue."""

from __future__ import annotations

from datetime import UTC, datetime

from ccc_telephony.config.agents import RosterAgent
from ccc_telephony.reports.agents import agent_row, summed
from ccc_telephony.reports.first_contact import with_totals

DAY = datetime(2026, 6, 1, 5, tzinfo=UTC)
MARIA = RosterAgent(id="maria", name="Maria", extension="3803", team="ebd")
STANDARD = {"ebd": 150, "family": 90}


def test_logged_out_time_is_no_time_and_reasons_are_summed_apart() -> None:
    states = [
        {"agent_id": "maria", "bucket": DAY, "state": "ready", "reason": None, "seconds": 60},
        {"agent_id": "maria", "bucket": DAY, "state": "logged_out", "reason": None, "seconds": 9},
        {
            "agent_id": "maria",
            "bucket": DAY,
            "state": "not_ready",
            "reason": "On Break",
            "seconds": 30,
        },
        {"agent_id": "maria", "bucket": DAY, "state": "not_ready", "reason": None, "seconds": 5},
    ]
    entry = summed(states, [{"agent_id": "maria", "bucket": DAY, "days": 1}])[("maria", DAY)]
    assert entry["states"] == {"ready": 60.0, "not_ready": 35.0, "call_inbound": 0.0}
    assert dict(entry["reasons"]) == {"On Break": 30.0, "(none)": 5.0}
    assert entry["days"] == 1


def test_protected_time_is_held_to_the_standard_of_each_day_logged_in() -> None:
    entry = {
        "states": {"not_ready": 8000.0},
        "reasons": {"Protected time": 8000.0},
        "days": 2,
    }
    row = agent_row(MARIA, "maria", entry, None, STANDARD)
    assert (row["protected_standard_seconds"], row["protected_over_seconds"]) == (18000, 0)
    assert (row["calls_handled"], row["aht_seconds"]) == (0, None)
    gone = agent_row(
        None, "left-us", entry, {"calls": 2, "talked": 2, "talk_seconds": 90}, STANDARD
    )
    assert (gone["team"], gone["protected_standard_seconds"], gone["aht_seconds"]) == (
        None,
        0,
        45.0,
    )


def test_each_queue_ends_with_its_total() -> None:
    rows = [
        {"queue": "ebd", "agent_id": "maria", "contacts": 3, "repeats": 1},
        {"queue": "ebd", "agent_id": "lee", "contacts": 1, "repeats": 0},
        {"queue": "family", "agent_id": "lee", "contacts": 0, "repeats": 0},
    ]
    out = with_totals(rows)
    assert [(r["queue"], r["agent"]) for r in out] == [
        ("ebd", "maria"),
        ("ebd", "lee"),
        ("ebd", None),
        ("family", "lee"),
        ("family", None),
    ]
    assert (out[2]["contacts"], out[2]["no_repeat_pct"]) == (4, 75.0)
    assert out[4]["no_repeat_pct"] is None
