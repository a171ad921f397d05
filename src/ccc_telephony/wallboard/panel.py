"""What a panel is: a small provider of one part of the wallboard. The board builds every
panel's data once per update and then gives each viewer their view of it; a new panel is one
provider here and one component in the page (static/wallboard.js)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from ccc_telephony.web.auth import Principal


class Panel(Protocol):
    name: str
    # Agents see the queues and their own row only: panels about other people are not theirs.
    for_agents: bool

    async def build(self, now: datetime) -> Any:
        """The panel's data at `now`, for everyone who may see it."""
        ...

    def view(self, data: Any, principal: Principal) -> Any:
        """What of `data` this viewer sees (most panels: all of it)."""
        ...
