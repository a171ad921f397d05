"""Who waits in which queue, for the queues panel, without asking Asterisk at every update.

app_queue's own account (an AMI QueueStatus) is read at most every `STATUS_SECONDS`; between
two reads the queue events the service receives anyway move callers in and out of line (a
caller joins; is answered, abandons or hangs up). Under load a QueueStatus per update was the
wallboard's largest cost to the calls (bench/RESULTS.md); the events keep the board within a
second of a caller joining, and the next read corrects anything the events cannot tell (a
callback's placeholder, a caller who left by the queue's own time-out).

Events that arrive while a read is on its way are applied again after it, so a caller who
joined during the read is not lost until the next one.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Final

import structlog

from ccc_telephony.asterisk.queues import Caller
from ccc_telephony.store.events import CallEvent

log = structlog.get_logger(__name__)

STATUS_SECONDS = 5.0
LEAVING: Final = frozenset({"agent_answered", "abandoned", "call_ended"})
QueueStatus = Callable[[], Awaitable[list[Caller]]]


class CallersInLine:
    def __init__(self, status: QueueStatus, *, every: float = STATUS_SECONDS) -> None:
        self._status = status
        self._every = every
        self._joined: dict[str, tuple[str, datetime]] = {}  # call id -> (queue, since)
        self._read_at = -every
        self._during_read: list[CallEvent] | None = None

    def on_call_event(self, event: CallEvent) -> None:
        if self._during_read is not None:
            self._during_read.append(event)
        self._apply(event)

    def _apply(self, event: CallEvent) -> None:
        queue = event.details.get("queue")
        if event.name == "queue_joined" and isinstance(queue, str):
            self._joined[event.call_id] = (queue, event.at)
        elif event.name in LEAVING:
            self._joined.pop(event.call_id, None)

    async def callers(self, now: datetime) -> list[Caller]:
        """Everyone waiting now, with how long they have waited."""
        if time.monotonic() - self._read_at >= self._every:
            await self._read(now)
        return [
            Caller(queue=queue, call_id=call_id, position=0, wait_seconds=_seconds(now - since))
            for call_id, (queue, since) in self._joined.items()
        ]

    async def _read(self, now: datetime) -> None:
        self._during_read = []
        try:
            callers = await self._status()
        except (ConnectionError, TimeoutError) as exc:
            log.warning("queue status unavailable: the wallboard follows events", error=str(exc))
            return
        finally:
            arrived, self._during_read = self._during_read, None
        self._read_at = time.monotonic()
        self._joined = {
            c.call_id: (c.queue, now - timedelta(seconds=c.wait_seconds)) for c in callers
        }
        for event in arrived:
            self._apply(event)


def _seconds(waited: timedelta) -> int:
    return max(0, int(waited.total_seconds()))
