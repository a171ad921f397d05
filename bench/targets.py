"""Issue 14's targets for one level of `make bench`: the controller against the dialplan.

Kept apart from run.py (which needs the sandbox) so that the rule itself is unit-tested.
"""

from __future__ import annotations

from typing import Protocol

# Issue 14: the controller's CPU per call at most a tenth of Asterisk's at every level; its
# key-to-prompt latency within these margins of the dialplan's (the p99 compared only where
# the dialplan's own p99 is under P99_COMPARED_BELOW_MS).
TARGET_CONTROLLER_SHARE = 0.10
TARGET_P50_MARGIN_MS = 2.0
TARGET_P99_MARGIN_MS = 15.0
P99_COMPARED_BELOW_MS = 100.0


class Figures(Protocol):
    """What one path measured at one level (run.PathResult has these)."""

    @property
    def p50(self) -> float | None: ...

    @property
    def p99(self) -> float | None: ...

    @property
    def asterisk_cpu_s(self) -> float: ...

    @property
    def controller_cpu_s(self) -> float: ...


def level_targets(level: int, ari: Figures, dialplan: Figures) -> list[str]:
    """Issue 14's targets at one level: the controller's CPU per call against Asterisk's, and
    the key-to-prompt latency against the dialplan's (its p99 only where the dialplan's own
    p99 is under P99_COMPARED_BELOW_MS: past that the box is saturated for both paths)."""
    problems = []
    share = ari.controller_cpu_s / ari.asterisk_cpu_s if ari.asterisk_cpu_s > 0 else float("inf")
    if share > TARGET_CONTROLLER_SHARE:
        problems.append(
            f"at {level}: the controller costs {share:.3f} of Asterisk's CPU per call"
            f" (target <= {TARGET_CONTROLLER_SHARE})"
        )
    p50s, p99s = (ari.p50, dialplan.p50), (ari.p99, dialplan.p99)
    if p50s[0] is not None and p50s[1] is not None and p50s[0] > p50s[1] + TARGET_P50_MARGIN_MS:
        problems.append(
            f"at {level}: key-to-prompt p50 {p50s[0]:.1f} ms via ARI, {p50s[1]:.1f} via"
            f" dialplan (target within {TARGET_P50_MARGIN_MS:.0f} ms)"
        )
    if (
        p99s[0] is not None
        and p99s[1] is not None
        and p99s[1] < P99_COMPARED_BELOW_MS
        and p99s[0] > p99s[1] + TARGET_P99_MARGIN_MS
    ):
        problems.append(
            f"at {level}: key-to-prompt p99 {p99s[0]:.1f} ms via ARI, {p99s[1]:.1f} via"
            f" dialplan (target within {TARGET_P99_MARGIN_MS:.0f} ms)"
        )
    return problems
