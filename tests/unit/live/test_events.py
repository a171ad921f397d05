"""A call's events as the live feed tells them: only safe fields, the call's queue and agent
carried to the events that do not name them, and the callers waiting per queue."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from ccc_telephony.live.events import CallTracker, LiveEvent
from ccc_telephony.store.events import CallEvent

NOW = datetime(2027, 1, 5, 16, 0, tzinfo=UTC)
HOSTILE = '<script>"x"</script> 212-34-5678'


def _tracker() -> CallTracker:
    return CallTracker(frozenset({"ebd", "ebd_es", "family", "help"}))


def _told(
    tracker: CallTracker, name: str, call_id: str = "1733.7", **details: object
) -> list[dict[str, object]]:
    events = tracker.on_call_event(CallEvent(call_id=call_id, name=name, details=details, at=NOW))
    return [_plain(event) for event in events]


def _plain(event: LiveEvent) -> dict[str, object]:
    message = json.loads(event.body())
    assert message.pop("at") == NOW.isoformat()
    return message


def test_a_call_from_the_ivr_to_an_agent_and_its_end() -> None:
    tracker = _tracker()
    started = _told(tracker, "call_started", caller_number="6085550199", caller_name=HOSTILE)
    assert started == [{"type": "call.started", "topic": "calls", "call_id": "1733.7"}]
    assert _told(tracker, "queued", queue="ebd", language="en", program="foodshare") == [
        {"type": "call.queued", "topic": "calls", "call_id": "1733.7", "queue": "ebd"}
    ]
    assert _told(tracker, "queue_joined", queue="ebd", position=1) == [
        {
            "type": "queue.joined",
            "topic": "queues",
            "queue": "ebd",
            "call_id": "1733.7",
            "waiting": 1,
            "position": 1,
        }
    ]
    offered, missed = (
        _told(tracker, "agent_ringing", queue="ebd", agent="ann"),
        _told(tracker, "ring_no_answer", queue="ebd", agent="ann", ring_ms=5000),
    )
    assert [offered[0]["type"], missed[0]["type"]] == ["call.offered", "call.missed"]
    assert missed[0]["agent"] == "ann" and "ring_ms" not in missed[0]
    _told(tracker, "agent_ringing", queue="ebd", agent="bob")
    answered, left = _told(
        tracker, "agent_answered", queue="ebd", agent="bob", wait_seconds=40, ring_seconds=3
    )
    assert answered == {
        "type": "call.answered",
        "topic": "calls",
        "call_id": "1733.7",
        "queue": "ebd",
        "agent": "bob",
        "wait_seconds": 40,
    }
    assert left == {
        "type": "queue.left",
        "topic": "queues",
        "queue": "ebd",
        "call_id": "1733.7",
        "waiting": 0,
        "reason": "answered",
    }
    assert _told(tracker, "call_ended", outcome="answered", cause=HOSTILE) == [
        {
            "type": "call.ended",
            "topic": "calls",
            "call_id": "1733.7",
            "queue": "ebd",
            "agent": "bob",
            "outcome": "answered",
        }
    ]


def test_a_caller_who_hangs_up_in_line_abandons_the_queue() -> None:
    tracker = _tracker()
    _told(tracker, "queue_joined", "a", queue="ebd", position=1)
    _told(tracker, "queue_joined", "b", queue="ebd", position=2)
    call, queue = _told(
        tracker, "abandoned", "a", queue="ebd", wait_seconds=95, position=1, original_position=1
    )
    assert call == {
        "type": "call.abandoned",
        "topic": "calls",
        "call_id": "a",
        "queue": "ebd",
        "wait_seconds": 95,
        "position": 1,
    }
    assert queue == {
        "type": "queue.abandoned",
        "topic": "queues",
        "queue": "ebd",
        "call_id": "a",
        "waiting": 1,
        "wait_seconds": 95,
    }
    assert tracker.waiting("ebd") == 1
    # The end says what the call came to, as the calls table does, not the IVR's "queued".
    [ended] = _told(tracker, "call_ended", "a", outcome="queued")
    assert ended["outcome"] == "abandoned"
    [ended, left] = _told(tracker, "call_ended", "b", outcome="queued")
    assert (ended["outcome"], left["reason"], left["waiting"]) == ("ended_in_queue", "ended", 0)


def test_a_caller_moved_from_the_language_queue_leaves_it_for_the_next() -> None:
    tracker = _tracker()
    _told(tracker, "queue_joined", queue="ebd_es", position=1)
    left, joined = _told(tracker, "queue_joined", queue="ebd", position=1)
    assert (left["type"], left["queue"], left["reason"], left["waiting"]) == (
        "queue.left",
        "ebd_es",
        "moved",
        0,
    )
    assert (joined["queue"], joined["waiting"]) == ("ebd", 1)


def test_unsafe_values_are_left_out_never_passed_on() -> None:
    tracker = _tracker()
    assert _told(tracker, "agent_answered", queue=HOSTILE, agent=HOSTILE, wait_seconds="40") == [
        {"type": "call.answered", "topic": "calls", "call_id": "1733.7"}
    ]
    assert tracker.on_call_event(CallEvent(call_id=HOSTILE, name="call_started", at=NOW)) == []


def test_transfers_and_escalations_name_the_queue_only_when_it_is_one() -> None:
    tracker = _tracker()
    _told(tracker, "agent_answered", queue="ebd", agent="ann")
    [outside] = _told(
        tracker, "transfer_completed", target="6085550177", kind="outside", wait_seconds=2.5
    )
    assert outside == {
        "type": "call.transferred",
        "topic": "calls",
        "call_id": "1733.7",
        "agent": "ann",
        "kind": "outside",
    }
    [escalated] = _told(
        tracker,
        "escalated",
        agent="ann",
        target="help",
        reason="worker_requested",
        escalation_id="x",
    )
    assert (escalated["queue"], escalated["reason"]) == ("help", "worker_requested")
