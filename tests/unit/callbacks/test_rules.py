"""The pure rules of queue callbacks: place in line, numbers, retries, placeholder names."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ccc_telephony.callbacks.rules import (
    Waiting,
    after_unanswered,
    callback_number,
    placeholder_ids,
    placeholder_of,
    position_for,
    spoken_digits,
)
from ccc_telephony.config.callbacks import Callbacks

NOW = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)


def test_a_caller_goes_back_after_everyone_who_joined_before_them() -> None:
    joined = NOW - timedelta(seconds=90)
    line = [
        Waiting("family", "a", 300),  # before
        Waiting("family", "b", 120),  # before
        Waiting("family", "c", 30),  # after
    ]
    assert position_for(joined, NOW, line, {}) == 3


def test_an_empty_line_is_the_head() -> None:
    assert position_for(NOW, NOW, [], {}) == 1


def test_a_placeholder_stands_for_the_time_its_own_caller_joined() -> None:
    """Put back after a restart, a placeholder has waited a few seconds in app_queue, but its
    caller joined long ago: it counts as ahead of a later caller and behind an earlier one."""
    mine = NOW - timedelta(minutes=10)
    line = [Waiting("family", "callback-7-1-q", 2), Waiting("family", "x", 60)]
    earlier = {7: NOW - timedelta(minutes=20)}
    later = {7: NOW - timedelta(minutes=5)}
    assert position_for(mine, NOW, line, earlier) == 2
    assert position_for(mine, NOW, line, later) == 1


def test_a_placeholder_not_yet_in_app_queues_line_counts_all_the_same() -> None:
    """Two callbacks put back after Asterisk restarted: the first one's Local channel may not
    have reached Queue() when the second one's position is worked out."""
    mine = NOW - timedelta(minutes=5)
    just_put = {7: NOW - timedelta(minutes=10)}
    assert position_for(mine, NOW, [], just_put) == 2
    assert position_for(mine, NOW, [Waiting("family", "x", 60)], just_put) == 2
    assert position_for(mine, NOW, [], {7: NOW - timedelta(minutes=1)}) == 1


def test_a_placeholder_of_unknown_time_is_not_counted() -> None:
    assert position_for(NOW, NOW, [Waiting("family", "callback-9-1-q", 500)], {}) == 1


def test_callback_numbers_are_ten_digits_only() -> None:
    assert callback_number("6085550123") == "6085550123"
    assert callback_number("+16085550123") == "6085550123"
    assert callback_number("12345") is None
    assert callback_number("anonymous") is None
    assert callback_number("") is None
    assert callback_number(None) is None


def test_unanswered_retries_then_fails() -> None:
    policy = Callbacks(retry_minutes=10, max_attempts=3)
    first = after_unanswered(1, NOW, policy)
    assert first.next == "retry" and first.at == NOW + timedelta(minutes=10)
    assert after_unanswered(2, NOW, policy).next == "retry"
    last = after_unanswered(3, NOW, policy)
    assert last.next == "failed" and last.at is None


def test_placeholder_names_round_trip_and_nothing_else_matches() -> None:
    leg, queued = placeholder_ids(42, 2)
    assert (leg, queued) == ("callback-42-2", "callback-42-2-q")
    assert placeholder_of(leg) == (42, 2)
    assert placeholder_of(queued) == (42, 2)
    for other in ("return-abc-caller", "callback-x-1", "callback-1-2-3", "1700000000.12"):
        assert placeholder_of(other) is None


def test_a_number_is_read_back_digit_by_digit() -> None:
    assert spoken_digits("608") == ["digit_6", "digit_0", "digit_8"]
