"""When the Help line takes a call: staff questions and escalated callers in its first window,
escalated callers only in its second, nothing outside them or while the center is closed."""

from __future__ import annotations

from datetime import time

from ccc_telephony.config.transfers import HelpLine


def help_line_takes(line: HelpLine, now: time, *, escalation: bool, center_open: bool) -> bool:
    """`escalation`: a caller is being brought to the lead (not a staff question)."""
    if not center_open:
        return False
    if line.staff_and_escalations.contains(now):
        return True
    return escalation and line.escalations_only.contains(now)
