"""The metrics text is what Prometheus parses: right types, escaped label values, and one
registry per service so several services in one process keep their own numbers."""

from __future__ import annotations

import asyncio

from prometheus_client.parser import text_string_to_metric_families

from ccc_telephony.jobs import BackgroundJobs
from ccc_telephony.web.metrics import Metrics

Samples = dict[tuple[str, ...], float]


def _families(metrics: Metrics) -> dict[str, tuple[str, Samples]]:
    """name -> (type, {(sample name, *label values): value}) as Prometheus's parser reads it."""
    parsed = text_string_to_metric_families(metrics.render().decode())
    return {
        family.name: (
            family.type,
            {(s.name, *s.labels.values()): s.value for s in family.samples},
        )
        for family in parsed
    }


def test_counters_gauges_and_escaped_label_values() -> None:
    metrics = Metrics()
    hostile = 'queued"} 1\nccc_fake 9 \\'
    metrics.counter(
        "ccc_calls_total", "Calls ended", lambda: {hostile: 3, "handed_to_fallback": 1}, label="x"
    )
    metrics.counter("ccc_agi_connections_total", "FastAGI connections", lambda: 7)
    metrics.gauge("ccc_calls_in_progress", "Calls in the IVR now", lambda: 2)
    metrics.event_write_seconds.observe(0.02)
    families = _families(metrics)
    assert families["ccc_calls"] == (
        "counter",
        {("ccc_calls_total", hostile): 3.0, ("ccc_calls_total", "handed_to_fallback"): 1.0},
    )
    assert families["ccc_agi_connections"] == (
        "counter",
        {("ccc_agi_connections_total",): 7.0},
    )
    assert families["ccc_calls_in_progress"] == ("gauge", {("ccc_calls_in_progress",): 2.0})
    assert families["ccc_event_write_seconds"][0] == "histogram"
    assert "ccc_fake" not in families
    assert "# TYPE ccc_agi_connections_total counter" in metrics.render().decode()


def test_each_service_has_its_own_registry() -> None:
    first, second = Metrics(), Metrics()
    for metrics, value in ((first, 1), (second, 2)):
        metrics.gauge("ccc_events_spooled", "Spooled events", lambda value=value: value)
    first.event_write_seconds.observe(0.5)
    assert _families(first)["ccc_events_spooled"][1] == {("ccc_events_spooled",): 1.0}
    assert _families(second)["ccc_events_spooled"][1] == {("ccc_events_spooled",): 2.0}
    count = ("ccc_event_write_seconds_count",)
    assert _families(first)["ccc_event_write_seconds"][1][count] == 1
    assert _families(second)["ccc_event_write_seconds"][1][count] == 0  # not shared


async def test_background_jobs_health_by_name() -> None:
    async def never(_seconds: float) -> None:
        await asyncio.Event().wait()

    async def broken() -> None:
        raise OSError

    async def fine() -> None:
        return None

    jobs = BackgroundJobs(sleep=never)
    metrics = Metrics()
    metrics.background_jobs(jobs)
    jobs.every("agents-schedule", 5.0, broken)
    jobs.run("agents-start", fine)
    try:
        async with asyncio.timeout(2):
            while not jobs.failing():  # noqa: ASYNC110 (yields to the jobs; nothing to await)
                await asyncio.sleep(0)
        families = _families(metrics)
    finally:
        await jobs.stop()
    healthy = families["ccc_background_job_healthy"][1]
    assert healthy[("ccc_background_job_healthy", "agents-schedule")] == 0
    assert healthy[("ccc_background_job_healthy", "agents-start")] == 1
    since = families["ccc_background_job_failing_since_seconds"][1]
    assert list(since) == [("ccc_background_job_failing_since_seconds", "agents-schedule")]
    assert families["ccc_background_job_restarts"][0] == "counter"
