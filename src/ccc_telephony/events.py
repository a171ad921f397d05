"""Call events fan out from here: to the durable writer, and to live listeners (supervisors'
live views in a later issue; the tests, which await a call's progress instead of sleeping)."""

from __future__ import annotations

from collections.abc import Callable

import structlog

from ccc_telephony.store.events import CallEvent

log = structlog.get_logger(__name__)

Listener = Callable[[CallEvent], None]


class CallEventBus:
    def __init__(self, *, durable: Listener) -> None:
        self._durable = durable
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def publish(self, event: CallEvent) -> None:
        self._durable(event)
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("call event listener failed", event_name=event.name)
