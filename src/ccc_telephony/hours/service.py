"""The hours as the running service sees them: policy + clock + the admin's current override.

The override is kept in the database (so the CLI, the API and every service instance agree) and
cached here, refreshed every `refresh_seconds` by a background job, so answering a call never
waits on the database and a database outage keeps the last known override in force.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import structlog

from ccc_telephony.config.policy import Policy
from ccc_telephony.hours.rules import HoursStatus, Override, status_at

log = structlog.get_logger(__name__)

Clock = Callable[[], datetime]
OverrideSource = Callable[[datetime], Awaitable[Override | None]]


def utc_now() -> datetime:
    return datetime.now(UTC)


class HoursService:
    def __init__(
        self,
        policy: Policy,
        *,
        load_override: OverrideSource,
        clock: Clock = utc_now,
        refresh_seconds: float = 5.0,
    ) -> None:
        self.policy = policy
        self._load_override = load_override
        self.clock = clock
        self.refresh_seconds = refresh_seconds
        self.override: Override | None = None

    def status(self) -> HoursStatus:
        return status_at(self.policy, self.clock(), self.override)

    async def refresh(self) -> None:
        """Re-read the override; on a database error keep the one we had."""
        try:
            self.override = await self._load_override(self.clock())
        except Exception as exc:  # the database may be down: hours must still answer
            log.warning("override refresh failed; keeping the last known", error=type(exc).__name__)
