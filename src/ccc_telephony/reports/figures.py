"""A queue's figures for one bucket from the counts the database sums (store/reports.py):
service level, average speed of answer and handle time. A share or an average of nothing is
None (no calls), never 0 or 100."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class QueueCounts:
    """What one queue's visits in one bucket add up to."""

    offered: int = 0
    answered: int = 0
    answered_in_sl: int = 0
    abandoned: int = 0  # short abandons not included
    short_abandons: int = 0
    wait_answered_seconds: int = 0
    longest_wait_seconds: int | None = None
    talked: int = 0  # answered visits whose talk time is known
    talk_seconds: int = 0
    transfers_out: int = 0
    escalations: int = 0


def ratio(part: float, whole: float, scale: float = 1.0) -> float | None:
    return None if whole == 0 else round(scale * part / whole, 1)


def service_level_pct(counts: QueueCounts) -> float | None:
    """Answered within the threshold, out of answered plus (not short) abandoned."""
    return ratio(counts.answered_in_sl, counts.answered + counts.abandoned, 100)


def figures(counts: QueueCounts) -> dict[str, Any]:
    return {
        "offered": counts.offered,
        "answered": counts.answered,
        "abandoned": counts.abandoned,
        "short_abandons": counts.short_abandons,
        "service_level_pct": service_level_pct(counts),
        "asa_seconds": ratio(counts.wait_answered_seconds, counts.answered),
        "longest_wait_seconds": counts.longest_wait_seconds,
        "aht_seconds": ratio(counts.talk_seconds, counts.talked),
        "transfers_out": counts.transfers_out,
        "escalations": counts.escalations,
    }
