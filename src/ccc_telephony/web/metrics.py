"""Prometheus metrics through prometheus-client: values read from the service at scrape time
(gauges and counters it already keeps), and the event write latency histogram.

Each service has its own registry, never the library's global one: tests run several services
in one process, and a second registration of the same names there would fail (or mix them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from ccc_telephony.jobs import BackgroundJobs, JobState

Sample = Callable[[], float | Mapping[str, float]]
Family = type[GaugeMetricFamily] | type[CounterMetricFamily]
CONTENT_TYPE = CONTENT_TYPE_LATEST


class _ReadAtScrape(Collector):
    """One metric whose value (or values by one label) is read when Prometheus scrapes."""

    def __init__(self, family: Family, name: str, help_text: str, sample: Sample, label: str):
        self._family = family
        self._name = name
        self._help = help_text
        self._sample = sample
        self._label = label

    def describe(self) -> Iterable[Metric]:
        """The name without a value, so that the registry refuses a duplicate at once."""
        yield self._family(self._name, self._help, labels=[self._label] if self._label else [])

    def collect(self) -> Iterable[Metric]:
        value = self._sample()
        if not isinstance(value, Mapping):
            yield self._family(self._name, self._help, value=value)
            return
        family = self._family(self._name, self._help, labels=[self._label])
        for key, number in sorted(value.items()):
            family.add_metric([key], number)
        yield family


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.event_write_seconds = Histogram(
            "ccc_event_write_seconds",
            "Time to write one batch of call events",
            buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5),
            registry=self.registry,
        )

    def gauge(self, name: str, help_text: str, sample: Sample, *, label: str = "") -> None:
        self.registry.register(_ReadAtScrape(GaugeMetricFamily, name, help_text, sample, label))

    def counter(self, name: str, help_text: str, sample: Sample, *, label: str = "") -> None:
        """`name` ends in `_total`, as the exposition writes it."""
        self.registry.register(_ReadAtScrape(CounterMetricFamily, name, help_text, sample, label))

    def background_jobs(self, jobs: BackgroundJobs) -> None:
        """Each job's health by name, as /readyz reports it."""
        health = jobs.health
        self.gauge(
            "ccc_background_job_healthy",
            "1 while a background job runs (or has finished), 0 while it is failing",
            lambda: {
                name: float(job.state is not JobState.FAILING) for name, job in health.items()
            },
            label="job",
        )
        self.gauge(
            "ccc_background_job_failing_since_seconds",
            "Unix time when a failing background job's current failure began",
            lambda: {
                name: job.failing_since.timestamp()
                for name, job in health.items()
                if job.failing_since is not None
            },
            label="job",
        )
        self.counter(
            "ccc_background_job_restarts_total",
            "Background job runs started again after a failure",
            lambda: {name: job.restarts for name, job in health.items()},
            label="job",
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
