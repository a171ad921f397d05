"""Who waits in line between two reads of app_queue: the queue events move callers in and out,
a read replaces what the events said, and an event that arrives during a read is kept."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from ccc_telephony.asterisk.queues import Caller
from ccc_telephony.store.events import CallEvent
from ccc_telephony.wallboard.line import CallersInLine

NOW = datetime(2030, 1, 7, 15, 0, tzinfo=UTC)


def _event(call_id: str, name: str, seconds_ago: int = 0, **details: object) -> CallEvent:
    return CallEvent(call_id, name, details, at=NOW - timedelta(seconds=seconds_ago))


class Asterisk:
    """app_queue's account, read on request; `hold` keeps a read waiting."""

    def __init__(self, *callers: Caller) -> None:
        self.callers = list(callers)
        self.reads = 0
        self.hold: asyncio.Event | None = None

    async def status(self) -> list[Caller]:
        self.reads += 1
        if self.hold is not None:
            await self.hold.wait()
        return list(self.callers)


def _waiting(callers: list[Caller]) -> dict[str, tuple[str, int]]:
    return {c.call_id: (c.queue, c.wait_seconds) for c in callers}


async def test_events_move_callers_between_reads() -> None:
    asterisk = Asterisk(Caller("ebd", "c1", 1, 30))
    line = CallersInLine(asterisk.status, every=3600)
    assert _waiting(await line.callers(NOW)) == {"c1": ("ebd", 30)}
    line.on_call_event(_event("c2", "queue_joined", 4, queue="family", position=1))
    line.on_call_event(_event("c1", "agent_answered", queue="ebd", agent="ann"))
    line.on_call_event(_event("c3", "queue_joined", 2, queue="ebd", position=1))
    line.on_call_event(_event("c3", "abandoned", queue="ebd", wait_seconds=2))
    assert _waiting(await line.callers(NOW)) == {"c2": ("family", 4)}
    line.on_call_event(_event("c2", "call_ended"))
    assert await line.callers(NOW) == []
    assert asterisk.reads == 1


async def test_a_read_replaces_what_the_events_said() -> None:
    asterisk = Asterisk()
    line = CallersInLine(asterisk.status, every=0)
    line.on_call_event(_event("gone", "queue_joined", queue="ebd"))  # left by the time-out
    asterisk.callers = [Caller("ebd", "placeholder", 1, 90)]  # a callback's, told by no event
    assert _waiting(await line.callers(NOW)) == {"placeholder": ("ebd", 90)}


async def test_a_caller_who_joins_during_a_read_is_kept() -> None:
    asterisk = Asterisk()
    asterisk.hold = asyncio.Event()
    line = CallersInLine(asterisk.status, every=0)
    reading = asyncio.create_task(line.callers(NOW))
    await asyncio.sleep(0)  # the read is on its way
    line.on_call_event(_event("late", "queue_joined", 1, queue="help"))
    asterisk.hold.set()
    assert _waiting(await reading) == {"late": ("help", 1)}


async def test_without_ami_the_events_still_tell() -> None:
    async def down() -> list[Caller]:
        raise ConnectionError("AMI is not connected")

    line = CallersInLine(down, every=0)
    line.on_call_event(_event("c1", "queue_joined", 5, queue="ebd"))
    assert _waiting(await line.callers(NOW)) == {"c1": ("ebd", 5)}
