"""Is the operator open right now? Pure functions over the policy, a clock reading and an override.

The IVR and the AGI `hours` command both ask here, so an admin's own dialplan and ours can never
disagree about the hours.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from ccc_telephony.config.policy import WEEKDAYS, Policy


class Reason(enum.StrEnum):
    OPEN = "open"
    AFTER_HOURS = "after_hours"
    HOLIDAY = "holiday"
    OVERRIDE_OPEN = "override_open"
    OVERRIDE_CLOSED = "override_closed"


@dataclass(frozen=True, slots=True)
class Override:
    """An admin's forced state, in force until `until` (an aware datetime)."""

    open: bool
    until: datetime
    reason: str = ""
    set_by: str = ""


@dataclass(frozen=True, slots=True)
class HoursStatus:
    open: bool
    reason: Reason
    holiday: str | None = None
    override: Override | None = None


def status_at(policy: Policy, now: datetime, override: Override | None = None) -> HoursStatus:
    """The operator's status at `now` (aware), an unexpired override taking precedence."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if override is not None and now < override.until:
        reason = Reason.OVERRIDE_OPEN if override.open else Reason.OVERRIDE_CLOSED
        return HoursStatus(open=override.open, reason=reason, override=override)
    local = now.astimezone(policy.zone)
    for holiday in policy.holidays:
        if holiday.date == local.date():
            return HoursStatus(open=False, reason=Reason.HOLIDAY, holiday=holiday.name)
    clock = local.time().replace(tzinfo=None)
    for interval in policy.hours.get(WEEKDAYS[local.weekday()], []):
        if interval.open <= clock < interval.close:
            return HoursStatus(open=True, reason=Reason.OPEN)
    return HoursStatus(open=False, reason=Reason.AFTER_HOURS)
