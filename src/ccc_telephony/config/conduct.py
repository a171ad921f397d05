"""The policy's part for how calls end and are logged: the wrap-up record every call needs
(its dispositions, and how soon after the call it is due). The closing message an abusive
caller hears is a prompt like any other (`abusive_closing`, per language).

The standard: every call is logged immediately after it ends, and every failed attempt to
reach a participant too; an agent who ends an abusive call documents it.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

Disposition = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]

# What a call was about, as the call center sorts it; an admin edits the list in the policy.
DEFAULT_DISPOSITIONS = (
    "application_status",
    "renewal",
    "change_report",
    "verification",
    "benefits_question",
    "ebt_card",
    "appointment",
    "local_agency_referral",
    "transferred",
    "other",
)


DEFAULT_WRAPUP_MINUTES = 10


class Wrapups(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    dispositions: list[Disposition] = list(DEFAULT_DISPOSITIONS)
    # A call without its wrap-up this long after the agent's part ended is listed as missing.
    due_minutes: int = Field(default=DEFAULT_WRAPUP_MINUTES, ge=1, le=24 * 60)

    @field_validator("dispositions")
    @classmethod
    def _distinct(cls, dispositions: list[str]) -> list[str]:
        if not dispositions:
            raise ValueError("at least one disposition")
        if len(set(dispositions)) != len(dispositions):
            raise ValueError("a disposition is listed twice")
        return dispositions
