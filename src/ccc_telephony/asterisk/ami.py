"""AMI through panoramisk, with a timeout on every await.

panoramisk reconnects by itself after a lost connection (Asterisk restarts) but never reports a
wrong secret (it just stays unauthenticated), so readiness is judged by `authenticated` plus a
Ping answered in time. Only this module imports panoramisk.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from panoramisk import Manager

# panoramisk logs every AMI message at debug level, caller data included: never below INFO.
_quiet = logging.getLogger("ccc_telephony.asterisk.panoramisk")
_quiet.setLevel(logging.INFO)
logging.getLogger("panoramisk").setLevel(logging.INFO)


# Every AMI event a feature registers for; Asterisk is told to send these only (the manager
# user's eventfilter, asterisk/confgen.py), so a feature reading a new event adds it here.
QUEUE_EVENTS = (  # app_queue's, for callers in line and the agents they ring
    "QueueCallerJoin",
    "QueueCallerAbandon",
    "AgentCalled",
    "AgentConnect",
    "AgentComplete",
    "AgentRingNoAnswer",
)
AMI_EVENTS = (
    *QUEUE_EVENTS,
    "AttendedTransfer",
    "UserEvent",
    "FullyBooted",
)


class _Manager(Manager):  # type: ignore[misc]
    """panoramisk's Manager, but a deliberate close() does not schedule a reconnect."""

    closing = False

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closing:
            super().connection_lost(exc)

    def connect(self, *args: Any, **kwargs: Any) -> Any:
        if not self.closing:
            return super().connect(*args, **kwargs)
        return None


class Ami:
    def __init__(
        self, *, host: str, port: int, user: str, secret: str, timeout: float = 5.0
    ) -> None:
        self._timeout = timeout
        self._manager = _Manager(
            host=host,
            port=port,
            username=user,
            secret=secret,
            ping_delay=10,
            reconnect_timeout=1,
            log=_quiet,
        )

    def start(self) -> None:
        self._manager.connect()

    def on_event(self, name: str, callback: Callable[[Any, Any], None]) -> None:
        if name not in AMI_EVENTS:
            raise ValueError(f"AMI event {name} is filtered out: add it to AMI_EVENTS")
        self._manager.register_event(name, callback)

    @property
    def authenticated(self) -> bool:
        return bool(self._manager.authenticated)

    async def action(self, action: dict[str, str]) -> Any:
        if not self.authenticated:
            raise ConnectionError("AMI not connected or not authenticated")
        async with asyncio.timeout(self._timeout):
            return await self._manager.send_action(action, as_list=False)

    async def collect(self, action: dict[str, str]) -> list[Any]:
        """An action answered by a list of events (e.g. QueueStatus), up to its Complete."""
        if not self.authenticated:
            raise ConnectionError("AMI not connected or not authenticated")
        async with asyncio.timeout(self._timeout):
            replies = await self._manager.send_action(action, as_list=True)
        return list(replies)

    async def ping(self) -> bool:
        try:
            reply = await self.action({"Action": "Ping"})
        except (ConnectionError, TimeoutError):
            return False
        return bool(getattr(reply, "success", False))

    def close(self) -> None:
        self._manager.closing = True
        self._manager.close()
