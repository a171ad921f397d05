"""The live feed: who gets which event, and a slow client is dropped instead of waited for."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from ccc_telephony.live.feed import TOO_SLOW, Audience, Closing, LiveFeed, Subscriber
from ccc_telephony.store.events import CallEvent
from ccc_telephony.web.auth import ADMIN
from tests.unit.staff import ROSTER, principal

NOW = datetime(2027, 1, 5, 16, 0, tzinfo=UTC)


def _feed(queue_size: int = 8) -> LiveFeed:
    return LiveFeed(roster=lambda: ROSTER, clock=lambda: NOW, queue_size=queue_size)


def _screens(feed: LiveFeed, *who: str) -> dict[str, Subscriber]:
    screens = {name: feed.subscribe(principal(name)) for name in who}
    return {**screens, "admin": feed.subscribe(ADMIN)}


def _received(subscriber: Subscriber) -> list[str]:
    items = []
    while not subscriber.queue.empty():
        item = subscriber.queue.get_nowait()
        items.append(item.reason if isinstance(item, Closing) else json.loads(item)["type"])
    return items


def test_people_get_what_is_addressed_to_them_and_the_admin_everything() -> None:
    feed = _feed()
    screens = _screens(feed, "boss", "lead", "fam", "ann", "bob")
    assert feed.publish("threat_flagged", {"agent": "ann"}, Audience.people("ann", "boss")) == 3
    for who in ("boss", "ann", "admin"):
        assert _received(screens[who]) == ["threat_flagged"]
    for nobody in ("lead", "fam", "bob"):
        assert _received(screens[nobody]) == []


def test_an_agents_call_events_go_to_their_unit_only() -> None:
    feed = _feed()
    screens = _screens(feed, "boss", "lead", "fam", "ann", "bob")
    details = {"agent": "ann", "queue": "ebd", "ssn_hmac": "secret"}
    feed.on_call_event(CallEvent(call_id="c1", name="agent_answered", details=details, at=NOW))
    feed.on_call_event(CallEvent(call_id="c1", name="caller_identified", details=details, at=NOW))
    for who in ("boss", "lead", "ann", "admin"):
        assert _received(screens[who]) == ["call_event"]
    assert _received(screens["fam"]) == [] and _received(screens["bob"]) == []


def test_an_event_shows_only_its_named_fields() -> None:
    feed = _feed()
    subscriber = feed.subscribe(ADMIN)
    details = {"agent": "ann", "queue": "ebd", "ssn_hmac": "secret"}
    feed.on_call_event(CallEvent(call_id="c1", name="agent_answered", details=details, at=NOW))
    shown = json.loads(str(subscriber.queue.get_nowait()))
    assert shown == {
        "type": "call_event",
        "at": NOW.isoformat(),
        "name": "agent_answered",
        "call_id": "c1",
        "queue": "ebd",
        "agent": "ann",
    }


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
