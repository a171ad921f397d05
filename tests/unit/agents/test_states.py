"""The agent state machine: every change opens a new interval or says why it cannot happen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ccc_telephony.agents import states
from ccc_telephony.agents.states import State, StateError, Status

T0 = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
REASONS = ["Last call", "Restroom", "On Break", "Protected time", "Meeting", "Training"]


def _at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _ready() -> Status:
    return states.log_in(states.NEVER_LOGGED_IN, T0).status


def test_log_in_makes_the_agent_ready() -> None:
    change = states.log_in(states.NEVER_LOGGED_IN, _at(1))
    assert change.new_interval and change.status == Status(State.READY, since=_at(1))
    with pytest.raises(StateError, match="already logged in"):
        states.log_in(change.status, _at(2))


def test_nothing_but_log_in_while_logged_out() -> None:
    out = states.NEVER_LOGGED_IN
    for request in (
        lambda: states.ready(out, T0),
        lambda: states.not_ready(out, "On Break", REASONS, T0),
        lambda: states.log_out(out, T0),
    ):
        with pytest.raises(StateError):
            request()


def test_changing_the_reason_closes_one_interval_and_opens_the_next() -> None:
    on_break = states.not_ready(_ready(), "On Break", REASONS, _at(5)).status
    same = states.not_ready(on_break, "On Break", REASONS, _at(6))
    assert not same.new_interval and same.status.since == _at(5)
    meeting = states.not_ready(on_break, "Meeting", REASONS, _at(20))
    assert meeting.new_interval
    assert (meeting.status.reason, meeting.status.since) == ("Meeting", _at(20))
    assert meeting.status.paused and meeting.status.pause_reason == "Meeting"


def test_an_unknown_reason_is_refused_with_the_list() -> None:
    with pytest.raises(StateError, match="one of: Last call"):
        states.not_ready(_ready(), "Lunch'; DROP TABLE agents;--", REASONS, T0)


def test_a_call_then_back_to_what_the_agent_was() -> None:
    on_call = states.call_answered(_ready(), _at(1))
    assert on_call.new_interval and on_call.status.state is State.CALL_INBOUND
    assert not on_call.status.paused
    after = states.call_ended(on_call.status, _at(4))
    assert after.new_interval and after.status == Status(State.READY, since=_at(4))


def test_last_call_during_a_call_pauses_now_and_applies_when_it_ends() -> None:
    on_call = states.call_answered(_ready(), _at(1)).status
    asked = states.not_ready(on_call, "Last call", REASONS, _at(2))
    assert not asked.new_interval and asked.status.state is State.CALL_INBOUND
    assert asked.status.paused and asked.status.pause_reason == "Last call"
    after = states.call_ended(asked.status, _at(6)).status
    assert (after.state, after.reason, after.since) == (State.NOT_READY, "Last call", _at(6))


def test_log_out_during_a_call_waits_for_its_end() -> None:
    on_call = states.call_answered(_ready(), _at(1)).status
    asked = states.log_out(on_call, _at(2))
    assert asked.status.state is State.CALL_INBOUND
    assert states.call_ended(asked.status, _at(3)).status.state is State.LOGGED_OUT


def test_a_not_ready_agent_can_take_a_direct_transfer_and_stays_not_ready() -> None:
    protected = states.not_ready(_ready(), "Protected time", REASONS, _at(1)).status
    after = states.call_ended(states.call_answered(protected, _at(2)).status, _at(9)).status
    assert (after.state, after.reason) == (State.NOT_READY, "Protected time")


def test_ring_no_answer_pauses_only_a_ready_agent() -> None:
    missed = states.rang_unanswered(_ready(), "Missed call", _at(1))
    assert missed.new_interval and missed.status.reason == "Missed call"
    on_break = states.not_ready(_ready(), "On Break", REASONS, _at(1)).status
    assert not states.rang_unanswered(on_break, "Missed call", _at(2)).new_interval
