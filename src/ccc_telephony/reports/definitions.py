"""What every figure counts, stated with each report (JSON `definitions`, CSV comment lines)
from the policy's numbers, in the industry's usual words (config/reports.py)."""

from __future__ import annotations

from typing import Any

from ccc_telephony.config.reports import Reports


def definitions(rules: Reports, *, zone: str) -> dict[str, Any]:
    sl, short = rules.service_level_seconds, rules.short_abandon_seconds
    return {
        "time_zone": zone,
        "offered": "a caller entered the queue (a caller transferred into it is offered again)",
        "answered": "an agent picked the call up in the queue",
        "abandoned": f"the caller hung up in the queue after {short} s or more",
        "short_abandon": f"the caller hung up in the queue within {short} s: counted apart",
        "service_level_seconds": sl,
        "short_abandon_seconds": short,
        "service_level": (
            f"answered within {sl} s, out of answered plus abandoned (short abandons left out)"
        ),
        "asa": "average wait of the answered calls, in seconds",
        "longest_wait": "the longest wait in the queue, answered or not, in seconds",
        "aht": "average talk time of the answered calls (hold included, wrap-up not), seconds",
        "transfers_out": "answered calls the agent transferred on (escalations included)",
        "escalations": "answered calls escalated to the Help lead or a supervisor",
        "repeat_contact_days": rules.repeat_contact_days,
        "called_again": (
            f"the same number or case reached a queue again within {rules.repeat_contact_days} days"
        ),
        "bucket": "by the time the caller entered the queue, in the policy's time zone",
    }
