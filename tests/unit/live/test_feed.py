"""The live feed: who gets which event, and a slow client is dropped instead of waited for."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from ccc_telephony.live.access import Filters
from ccc_telephony.live.feed import TOO_SLOW, Audience, Closing, LiveFeed, Subscriber
from ccc_telephony.store.events import CallEvent
from ccc_telephony.web.auth import ADMIN
from tests.unit.staff import ROSTER, principal

NOW = datetime(2027, 1, 5, 16, 0, tzinfo=UTC)
QUEUES = frozenset({"ebd", "family", "help", "operator"})


def _feed(queue_size: int = 8) -> LiveFeed:
    return LiveFeed(
        roster=lambda: ROSTER,
        clock=lambda: NOW,
        queues=QUEUES,
        since_of=lambda _agent: NOW - timedelta(seconds=30),
        queue_size=queue_size,
    )


def _screens(feed: LiveFeed, *who: str) -> dict[str, Subscriber]:
    screens = {name: feed.subscribe(principal(name)) for name in who}
    return {**screens, "admin": feed.subscribe(ADMIN)}


def _received(subscriber: Subscriber) -> list[str]:
    items = []
    while not subscriber.queue.empty():
        item = subscriber.queue.get_nowait()
        items.append(item.reason if isinstance(item, Closing) else json.loads(item)["type"])
    return items


def _call(name: str, call_id: str = "c1", **details: object) -> CallEvent:
    return CallEvent(call_id=call_id, name=name, details=details, at=NOW)


def test_notices_go_to_whom_they_are_addressed_and_the_admin() -> None:
    feed = _feed()
    screens = _screens(feed, "boss", "lead", "fam", "ann", "bob")
    assert feed.publish("threat_flagged", {"agent": "ann"}, Audience.people("ann", "boss")) == 3
    for who in ("boss", "ann", "admin"):
        assert _received(screens[who]) == ["threat_flagged"]
    for nobody in ("lead", "fam", "bob"):
        assert _received(screens[nobody]) == []


def test_an_agent_sees_only_their_own_calls_heads_every_queues_calls() -> None:
    feed = _feed()
    screens = _screens(feed, "fam", "ann", "bob")
    feed.on_call_event(_call("call_started", caller_number="6085550199"))
    feed.on_call_event(_call("queue_joined", queue="ebd", position=1))
    feed.on_call_event(_call("agent_ringing", queue="ebd", agent="ann"))
    feed.on_call_event(_call("agent_answered", queue="ebd", agent="ann", wait_seconds=12))
    feed.on_call_event(_call("call_ended", outcome="answered"))
    assert _received(screens["ann"]) == ["call.offered", "call.answered", "call.ended"]
    assert _received(screens["bob"]) == []
    # Family's supervisor sees EBD's queue and its calls (not the IVR's start: no queue yet).
    assert _received(screens["fam"]) == [
        "queue.joined",
        "call.offered",
        "call.answered",
        "queue.left",
        "call.ended",
    ]
    assert _received(screens["admin"])[0] == "call.started"


def test_agent_states_reach_the_agent_and_their_units_heads() -> None:
    feed = _feed()
    screens = _screens(feed, "boss", "fam", "ann", "bob")
    details = {"agent": "ann", "state": "not_ready", "reason": "On Break", "by": "ann"}
    feed.on_agent_event("agent_state_changed", details)
    feed.on_agent_event("coverage_refused", details)  # not a state change
    for who in ("boss", "ann", "admin"):
        assert _received(screens[who]) == ["agent.state"]
    assert _received(screens["fam"]) == [] and _received(screens["bob"]) == []


def test_a_state_change_says_since_when_and_nothing_else() -> None:
    feed = _feed()
    admin = feed.subscribe(ADMIN)
    feed.on_agent_event(
        "agent_state_changed",
        {"agent": "ann", "state": "ready", "reason": None, "source": "phone", "by": "ann"},
    )
    assert json.loads(str(admin.queue.get_nowait())) == {
        "type": "agent.state",
        "topic": "agents",
        "at": NOW.isoformat(),
        "agent": "ann",
        "state": "ready",
        "reason": None,
        "since": (NOW - timedelta(seconds=30)).isoformat(),
    }


def test_filters_narrow_what_a_connection_gets() -> None:
    feed = _feed()
    family_calls = feed.subscribe(ADMIN, Filters(topics=frozenset({"calls"}), queue="family"))
    feed.on_call_event(_call("queued", "c1", queue="ebd"))
    feed.on_call_event(_call("queued", "c2", queue="family"))
    feed.publish("tick", {}, Audience())
    assert _received(family_calls) == ["call.queued"]


def test_a_client_whose_queue_is_full_is_dropped_and_told_so() -> None:
    feed = _feed(queue_size=3)
    slow = feed.subscribe(ADMIN)
    quick = feed.subscribe(principal("boss"))
    for _ in range(3):
        feed.publish("tick", {}, Audience.people("boss"))
        quick.queue.get_nowait()  # this one keeps up
    assert feed.publish("tick", {}, Audience.people("boss")) == 1  # only the quick one
    assert feed.clients == 1
    assert slow.queue.qsize() == 1 and slow.queue.get_nowait() == TOO_SLOW


async def test_a_stopping_service_tells_every_client() -> None:
    feed = _feed()
    subscriber = feed.subscribe(ADMIN)
    feed.publish("tick", {}, Audience())
    await feed.close()
    assert feed.clients == 0
    assert [subscriber.queue.get_nowait()] == [Closing(1001, "the service is stopping")]
