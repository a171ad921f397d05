"""The policy's part for returning messages: how long a return call rings (the caller's phone,
and the agent's own phone first when the service calls them back), after how many failed
attempts a message is unreachable, when the supervisors' end-of-day check runs, and how long
before a due time a message that will miss it is flagged.

The standard: every message is returned the same workday, and supervisors check at the end of
each day that none remain.
"""

from __future__ import annotations

from datetime import time
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ccc_telephony.directory.numbers import (
    NON_GEOGRAPHIC_AREA_CODES,
    NOT_US_AREA_CODES,
    dial_back_number,
)

# A leading part of a ten-digit number: an area code (608), with its exchange (608555), ...
Prefix = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,10}$")]


class DialBack(BaseModel):
    """Which numbers the center dials back (return calls, queue callbacks): a geographic US
    number only, since a caller controls their caller ID and the digits they key (toll fraud:
    a premium or international number billed to the center). N11 codes and premium 976
    exchanges are never dialled; beyond those, the longest matching prefix decides."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    blocked_prefixes: list[Prefix] = Field(
        default=[*NOT_US_AREA_CODES, *NON_GEOGRAPHIC_AREA_CODES], max_length=1000
    )
    # Exceptions to the blocked ones (e.g. "204" if callers in Manitoba must be called back).
    allowed_prefixes: list[Prefix] = Field(default=[], max_length=1000)

    def number(self, raw: str | None) -> str | None:
        """The ten digits to dial for `raw`, None if it must not be dialled back."""
        return dial_back_number(
            raw, blocked=frozenset(self.blocked_prefixes), allowed=frozenset(self.allowed_prefixes)
        )


class Returns(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # The caller's phone rings this long before the attempt counts as not answered.
    ring_seconds: int = Field(default=30, ge=5, le=120)
    # The agent's own phone, rung first for a return call asked for on the screen.
    agent_ring_seconds: int = Field(default=20, ge=5, le=120)
    # Failed attempts (no answer, busy, failed) after which a message is unreachable.
    max_attempts: int = Field(default=3, ge=1, le=10)
    # Local time (the policy's zone) of the supervisors' list of messages not yet returned.
    day_check: time = time(16, 30)
    # A message not returned this long before its due time is flagged (once).
    warn_before_minutes: int = Field(default=60, ge=5, le=8 * 60)
    # The numbers a return call (or a queue callback) may dial.
    dial_back: DialBack = DialBack()
