"""The service under test, run in the test's event loop, which a test may stop and start again
exactly as a restart in production would (a new Service on the same settings)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from ccc_telephony.app import Service
from ccc_telephony.config.settings import Settings
from ccc_telephony.hours.service import Clock
from ccc_telephony.store.events import CallEvent

Listener = Callable[[CallEvent], None]


class ServiceRunner:
    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock
        self.current: Service | None = None

    async def start(self, *listeners: Listener) -> Service:
        """A new service; `listeners` hear its events from the very first (reconciliation)."""
        service = Service(self.settings, clock=self.clock)
        for listener in listeners:
            service.bus.subscribe(listener)
        await service.start()
        async with asyncio.timeout(15):
            await service.events.connected.wait()
        self.current = service
        return service

    async def stop(self) -> None:
        """Graceful stop, as on SIGTERM."""
        if self.current is not None:
            service, self.current = self.current, None
            await service.stop()
