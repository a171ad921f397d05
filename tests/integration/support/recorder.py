"""Awaits call events as the service publishes them, so tests never sleep for a call's progress."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Collection
from typing import Any

from ccc_telephony.store.events import CallEvent


class EventRecorder:
    def __init__(self) -> None:
        self.events: dict[str, list[CallEvent]] = defaultdict(list)
        self._changed = asyncio.Condition()
        self._loop = asyncio.get_running_loop()

    def __call__(self, event: CallEvent) -> None:
        self.events[event.call_id].append(event)
        self._loop.create_task(self._notify())

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def names(self, call_id: str) -> list[str]:
        return [event.name for event in self.events[call_id]]

    def first(self, call_id: str, name: str) -> CallEvent:
        return next(e for e in self.events[call_id] if e.name == name)

    async def wait_for(self, call_id: str, name: str, timeout: float = 20) -> CallEvent:
        await self.wait_until(call_id, lambda names: name in names, timeout)
        return self.first(call_id, name)

    async def wait_until(
        self, call_id: str, test: Callable[[list[str]], bool], timeout: float = 20
    ) -> None:
        """Until `test` holds for the names of the call's events so far."""
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: test(self.names(call_id)))


async def wait_for_call_started(
    recorder: EventRecorder, caller_name: str, timeout: float = 20
) -> str:
    """The call id of the call whose caller ID name is `caller_name` (SIP calls get their id
    from Asterisk, so a test finds its call by a name only it uses)."""
    async with asyncio.timeout(timeout), recorder._changed:
        await recorder._changed.wait_for(lambda: _started_by(recorder, caller_name) is not None)
    found = _started_by(recorder, caller_name)
    assert found is not None
    return found


def _started_by(recorder: EventRecorder, caller_name: str) -> str | None:
    for call_id, events in recorder.events.items():
        for event in events:
            if event.name == "call_started" and event.details.get("caller_name") == caller_name:
                return call_id
    return None


async def event_where(
    recorder: EventRecorder,
    name: str,
    *,
    besides: Collection[str] = (),
    timeout: float = 30,
    **match: Any,
) -> CallEvent:
    """The first call event of this name whose details hold `match`, on a call not in
    `besides` (a phone's call id is Asterisk's, so a test finds its call by what only it
    names, e.g. its mailbox)."""

    def found() -> CallEvent | None:
        for call_id, events in list(recorder.events.items()):
            if call_id in besides:
                continue
            for event in events:
                if event.name == name and match.items() <= event.details.items():
                    return event
        return None

    async with asyncio.timeout(timeout), recorder._changed:
        await recorder._changed.wait_for(lambda: found() is not None)
    event = found()
    assert event is not None
    return event
