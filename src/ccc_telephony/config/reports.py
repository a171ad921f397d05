"""The policy's part for the wallboard and the reports: the definitions every figure is counted
by, stated on each report, and the limits the wallboard highlights.

The definitions follow the call-center industry's usual ones: a call is offered when it enters
a queue; answered when an agent picks it up; abandoned when the caller hangs up in the queue;
a short abandon (hung up within `short_abandon_seconds`) is counted apart and left out of the
service level; the service level is the share of the calls answered or abandoned (short
abandons excepted) that were answered within `service_level_seconds`.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

# The agency's service-level threshold when the policy names none: answered within 60 s.
DEFAULT_SERVICE_LEVEL_SECONDS = 60


class Reports(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    service_level_seconds: int = Field(default=DEFAULT_SERVICE_LEVEL_SECONDS, ge=1, le=3600)
    # A caller who hangs up this soon in the queue dialled wrong or was cut off: a short
    # abandon, reported apart and out of the service level (0: every abandon counts).
    short_abandon_seconds: int = Field(default=10, ge=0, le=120)
    # First-contact resolution: a call from the same case (case number, or the SSN's keyed
    # hash) within this many days after another is a repeat contact.
    repeat_contact_days: int = Field(default=7, ge=1, le=90)
    # How long a Not Ready reason may run before the wallboard highlights the agent; a reason
    # not named has no limit. Protected time is held to the team's `protected_minutes`.
    not_ready_limit_minutes: dict[str, Annotated[int, Field(ge=1, le=24 * 60)]] = Field(
        default_factory=lambda: {
            "Last call": 5,
            "Restroom": 10,
            "On Break": 15,
            "Meeting": 60,
            "Training": 120,
        }
    )

    def problems(self, reasons: list[str]) -> list[str]:
        """Limits for reasons the agents cannot choose would never show: a typo, said so."""
        return [
            f"reports.not_ready_limit_minutes.{reason}: not one of agents.not_ready_reasons"
            for reason in self.not_ready_limit_minutes
            if reason not in reasons
        ]
