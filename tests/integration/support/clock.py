"""A clock that runs at real speed from a chosen moment, so tests can be "open" or "closed"
whatever the hour of the CI run, while event times keep rising in order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

CHICAGO = ZoneInfo("America/Chicago")
# A Tuesday in open hours, a Tuesday night, and Christmas Day (a holiday in the default policy).
OPEN = datetime(2026, 12, 1, 10, 0, tzinfo=CHICAGO)
NIGHT = datetime(2026, 12, 1, 20, 0, tzinfo=CHICAGO)
HOLIDAY = datetime(2026, 12, 25, 10, 0, tzinfo=CHICAGO)


class ShiftedClock:
    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def set(self, moment: datetime) -> None:
        self.offset = moment - datetime.now(UTC)
