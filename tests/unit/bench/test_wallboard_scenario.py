"""The wallboard scenario's figures: the service clock's offset recovered from a snapshot to the
exact 15-minute step, each update's latency from its `changed_at`, and only the updates
received while the level ran counted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bench.wallboard_scenario import Received, clock_offset, latency_ms, screens_result

WALL = datetime(2030, 3, 5, 6, 40, tzinfo=UTC)  # before opening: the controller moves its clock
SHIFT = timedelta(hours=1, minutes=30)  # six 15-minute steps (bench/controller.py open_offset)


def _service(seconds: float) -> str:
    """The service clock's time `seconds` after WALL, as a message carries it."""
    return (WALL + SHIFT + timedelta(seconds=seconds)).isoformat()


def test_the_offset_is_the_whole_step_whatever_the_snapshots_delay() -> None:
    built = WALL + SHIFT
    for delay in (0.0, 0.004, 0.9, 5.0):
        assert clock_offset(built, WALL.timestamp() + delay) == SHIFT
    assert clock_offset(WALL, WALL.timestamp() + 0.2) == timedelta(0)  # open already: no shift


def test_an_updates_latency_is_its_receive_time_minus_its_change_in_wall_time() -> None:
    changed = WALL + SHIFT + timedelta(seconds=10)
    received = (WALL + timedelta(seconds=10.25)).timestamp()
    assert latency_ms(changed, received, SHIFT) == 250.0


def test_only_updates_in_the_window_count_and_every_screen_agrees_on_the_offset() -> None:
    t = WALL.timestamp()
    messages = [
        Received(0, t + 0.01, "snapshot", _service(0), _service(0)),
        Received(1, t + 0.03, "snapshot", _service(0.02), _service(0.02)),
        Received(0, t + 5.2, "panels", None, _service(5.0)),  # before the level: not counted
        Received(0, t + 20.3, "panels", None, _service(20.0)),
        Received(1, t + 20.5, "panels", None, _service(19.9)),  # merged: dates from the older
        Received(1, t + 30.0, "snapshot", _service(29.99), _service(29.99)),  # a reconnect
    ]
    seen = screens_result(messages, screens=2, window=(t + 10, t + 40), cpu_s=0.5)
    assert seen.offset_minutes == 90 and seen.offsets == [90]
    assert seen.latencies_ms == [300.0, 600.0]
    assert (seen.messages, seen.reconnects) == (3, 1)
