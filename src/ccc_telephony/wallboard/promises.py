"""The promises panel: what the call center owes now (queue callbacks, messages, escalation
follow-ups, confidential callbacks), counted in the database at most every few seconds: the
counts change with people's work, not with each call event."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.store import promises
from ccc_telephony.web.auth import Principal

log = structlog.get_logger(__name__)

READ_SECONDS = 5.0


class PromisesPanel:
    name = "promises"
    for_agents = False

    def __init__(
        self,
        *,
        engine: AsyncEngine,
        messages_soon: timedelta,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._engine = engine
        self._soon = messages_soon
        self._monotonic = monotonic
        self._counts: dict[str, int] | None = None
        self._read_at = -READ_SECONDS

    async def build(self, now: datetime) -> dict[str, int] | None:
        """The counts; None while the database cannot say (the page shows "—")."""
        if self._monotonic() - self._read_at < READ_SECONDS:
            return self._counts
        self._read_at = self._monotonic()
        try:
            counts = await promises.promises(self._engine, now=now, messages_soon=self._soon)
        except Exception as exc:
            log.warning("promises unavailable", error=type(exc).__name__)
            self._counts = None
        else:
            self._counts = counts.as_dict()
        return self._counts

    def view(self, data: Any, principal: Principal) -> Any:
        return data
