"""Issue 14's per-level targets: the controller's CPU against Asterisk's, and the key-to-prompt
latency against the dialplan's, its p99 compared only where the dialplan itself holds."""

from __future__ import annotations

from dataclasses import dataclass

from bench.targets import level_targets


@dataclass
class Measured:
    p50: float | None
    p99: float | None
    asterisk_cpu_s: float = 10.0
    controller_cpu_s: float = 0.5


DIALPLAN = Measured(p50=2.5, p99=6.0)


def test_a_controller_within_every_target_passes() -> None:
    assert level_targets(100, Measured(p50=4.5, p99=21.0, controller_cpu_s=1.0), DIALPLAN) == []


def test_more_than_a_tenth_of_asterisks_cpu_fails() -> None:
    (problem,) = level_targets(20, Measured(p50=3.0, p99=8.0, controller_cpu_s=1.01), DIALPLAN)
    assert problem.startswith("at 20: the controller costs 0.101 of Asterisk's CPU per call")


def test_latency_past_the_margins_fails_each_by_name() -> None:
    problems = level_targets(300, Measured(p50=4.6, p99=21.1), DIALPLAN)
    assert [p.split(" ms via")[0] for p in problems] == [
        "at 300: key-to-prompt p50 4.6",
        "at 300: key-to-prompt p99 21.1",
    ]


def test_the_p99_is_not_compared_where_the_dialplan_is_saturated() -> None:
    saturated = Measured(p50=3.0, p99=150.0)
    assert level_targets(500, Measured(p50=4.0, p99=400.0), saturated) == []


def test_no_asterisk_cpu_measured_is_a_miss_not_a_pass() -> None:
    unmeasured = Measured(p50=3.0, p99=8.0, asterisk_cpu_s=0.0)
    assert "controller costs inf" in level_targets(20, unmeasured, DIALPLAN)[0]
