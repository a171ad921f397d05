"""Prometheus text exposition without a client library: a few gauges read at scrape time,
counters, and one histogram for event write latency."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Mapping

Sample = Callable[[], float | Mapping[str, float]]


class Histogram:
    def __init__(self, buckets: tuple[float, ...]) -> None:
        self.buckets = buckets
        self.counts = [0] * len(buckets)
        self.total = 0
        self.sum = 0.0

    def observe(self, value: float) -> None:
        index = bisect.bisect_left(self.buckets, value)
        if index < len(self.counts):
            self.counts[index] += 1
        self.total += 1
        self.sum += value


class Metrics:
    def __init__(self) -> None:
        self._samples: list[tuple[str, str, str, str, Sample]] = []
        self.event_write_seconds = Histogram((0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5))

    def gauge(self, name: str, help_text: str, sample: Sample, *, label: str = "") -> None:
        self._samples.append((name, "gauge", help_text, label, sample))

    def counter(self, name: str, help_text: str, sample: Sample, *, label: str = "") -> None:
        self._samples.append((name, "counter", help_text, label, sample))

    def render(self) -> str:
        lines: list[str] = []
        for name, kind, help_text, label, sample in self._samples:
            lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
            value = sample()
            if isinstance(value, Mapping):
                lines += [f'{name}{{{label}="{key}"}} {val}' for key, val in sorted(value.items())]
            else:
                lines.append(f"{name} {value}")
        lines += self._histogram(
            "ccc_event_write_seconds",
            "Time to write one batch of call events",
            self.event_write_seconds,
        )
        return "\n".join(lines) + "\n"

    @staticmethod
    def _histogram(name: str, help_text: str, hist: Histogram) -> list[str]:
        lines = [f"# HELP {name} {help_text}", f"# TYPE {name} histogram"]
        running = 0
        for bound, count in zip(hist.buckets, hist.counts, strict=True):
            running += count
            lines.append(f'{name}_bucket{{le="{bound}"}} {running}')
        lines += [
            f'{name}_bucket{{le="+Inf"}} {hist.total}',
            f"{name}_sum {hist.sum}",
            f"{name}_count {hist.total}",
        ]
        return lines
