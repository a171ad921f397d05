"""How an agent's state reads in the API and in `agents list`: an agent who never logged in has
no interval, so no time in state (not the seconds since 1970)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ccc_telephony.agents import cli, states
from ccc_telephony.agents.http import describe
from ccc_telephony.config.agents import RosterAgent

MARIA = RosterAgent(id="maria", name="Maria Lopez", extension="3101", team="family")


def test_an_agent_who_never_logged_in_has_no_time_in_state() -> None:
    now = datetime.now(UTC)
    shown = describe(MARIA, states.NEVER_LOGGED_IN, set(), now)
    assert (shown["state"], shown["since"], shown["seconds_in_state"]) == (
        "logged_out",
        None,
        None,
    )
    assert cli._state_line(shown) == "never logged in"


def test_a_logged_in_agent_shows_state_reason_and_seconds() -> None:
    now = datetime.now(UTC)
    ready = states.log_in(states.NEVER_LOGGED_IN, now - timedelta(seconds=90)).status
    on_break = states.not_ready(ready, "On Break", ["On Break"], now - timedelta(seconds=42))
    shown = describe(MARIA, on_break.status, {"family"}, now)
    assert shown["seconds_in_state"] == 42
    assert cli._state_line(shown) == "not_ready (On Break) for 42 s"
