"""The board: a burst of events becomes one update, each viewer gets their own view (an agent
no panel about other people), each update dates from the first change it reflects, and
stopping tells every viewer to go."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from ccc_telephony.store.events import CallEvent
from ccc_telephony.wallboard.board import Wallboard
from ccc_telephony.web.auth import ADMIN, Principal
from tests.unit.staff import principal

NOW = datetime(2030, 3, 5, 10, 0, tzinfo=UTC)


class Counting:
    """A panel whose data is how many times it was built."""

    def __init__(self, name: str, *, for_agents: bool) -> None:
        self.name = name
        self.for_agents = for_agents
        self.builds = 0
        self.views = 0

    async def build(self, now: datetime) -> int:
        self.builds += 1
        return self.builds

    def view(self, data: Any, principal: Principal) -> Any:
        self.views += 1
        return data


async def test_a_burst_of_events_is_one_update_for_each_viewer_in_their_view() -> None:
    queues, promises = Counting("queues", for_agents=True), Counting("promises", for_agents=False)
    board = Wallboard([queues, promises], clock=lambda: NOW, coalesce=0.05, refresh=60)
    admin, agent = board.subscribe(ADMIN), board.subscribe(principal("ann"))
    running = asyncio.create_task(board.run())
    try:
        for _ in range(20):
            board.on_agent_event("agent_state_changed", {"agent": "ann"})
            board.on_call_event(CallEvent("c1", "queue_joined", {"queue": "ebd"}, NOW))
        board.on_call_event(CallEvent("c1", "dtmf", {}, NOW))  # not the board's business
        async with asyncio.timeout(5):
            assert (await admin.next()) == ({"queues": "1", "promises": "1"}, NOW)
            assert (await agent.next()) == ({"queues": "1"}, NOW)
        await asyncio.sleep(0.2)
        assert queues.builds == 1
    finally:
        running.cancel()
    await board.close()
    assert await admin.next() is None and board.viewers == 0


async def test_an_update_dates_from_the_first_change_since_the_one_before() -> None:
    clock = Clock(NOW)
    queues = Counting("queues", for_agents=True)
    board = Wallboard([queues], clock=clock, coalesce=0.05, refresh=0.3)
    viewer = board.subscribe(ADMIN)
    running = asyncio.create_task(board.run())
    try:
        board.changed()
        clock.now = NOW + timedelta(seconds=0.04)
        board.changed()  # in the same burst: the update still dates from the first
        async with asyncio.timeout(5):
            assert await viewer.next() == ({"queues": "1"}, NOW)
            clock.now = NOW + timedelta(seconds=1)
            board.changed()
            assert await viewer.next() == ({"queues": "2"}, NOW + timedelta(seconds=1))
            clock.now = NOW + timedelta(seconds=3)  # no event: the refresh dates from its build
            assert await viewer.next() == ({"queues": "3"}, NOW + timedelta(seconds=3))
    finally:
        running.cancel()


class Clock:
    """The service's clock, moved by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def test_screens_of_the_same_person_share_one_view_per_update() -> None:
    queues = Counting("queues", for_agents=True)
    board = Wallboard([queues], clock=lambda: NOW)
    screens = [board.subscribe(ADMIN) for _ in range(50)] + [board.subscribe(principal("ann"))]
    await board.push()
    assert queues.views == 2  # the admin's and Ann's, not one per screen
    async with asyncio.timeout(5):
        assert [await screen.next() for screen in screens] == [({"queues": "1"}, NOW)] * 51
