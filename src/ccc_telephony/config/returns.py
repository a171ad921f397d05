"""The policy's part for returning messages: how long a return call rings (the caller's phone,
and the agent's own phone first when the service calls them back), after how many failed
attempts a message is unreachable, when the supervisors' end-of-day check runs, and how long
before a due time a message that will miss it is flagged.

The standard: every message is returned the same workday, and supervisors check at the end of
each day that none remain.
"""

from __future__ import annotations

from datetime import time

from pydantic import BaseModel, ConfigDict, Field


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
