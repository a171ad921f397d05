"""The transfers part of the policy: how a transferred caller waits, how long an agent's phone
rings when a caller comes back to them, the outbound route's prefixes, and the Help line's
hours (the consortium's standard: staff questions and escalated callers 08:00-16:00,
escalated callers only 16:00-16:30)."""

from __future__ import annotations

from datetime import time
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ccc_telephony.config.agents import Window


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HelpLine(_Strict):
    staff_and_escalations: Window = Window(start=time(8, 0), end=time(16, 0))
    escalations_only: Window = Window(start=time(16, 0), end=time(16, 30))


class Transfers(_Strict):
    # app_queue's QUEUE_PRIO for a transferred caller: ahead of callers who dialled in.
    priority: int = Field(default=10, ge=1, le=100)
    # How long an agent's phone rings when a caller is transferred or given back to them.
    ring_seconds: int = Field(default=20, ge=5, le=120)
    # What the outbound route strips before a number (an outside line's "9").
    dial_prefixes: list[Annotated[str, StringConstraints(pattern=r"^[0-9]{1,3}$")]] = ["9"]
    # An agent calling the Help line waits this long for a lead, then hears that none answered.
    escalation_wait_seconds: int = Field(default=120, ge=5, le=600)
    help_line: HelpLine = HelpLine()
