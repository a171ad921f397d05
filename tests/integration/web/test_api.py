"""The HTTP API as an operator's tools see it: health and metrics open, everything else behind
the admin token, refusals logged without the token, bad bodies answered with a clear error."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from ccc_telephony.app import Service


@pytest.fixture
async def http(service: Service) -> AsyncIterator[tuple[aiohttp.ClientSession, str]]:
    async with aiohttp.ClientSession() as session:
        yield session, f"http://127.0.0.1:{service.settings.http_port}"


async def test_health_and_metrics_need_no_token(
    http: tuple[aiohttp.ClientSession, str],
) -> None:
    session, base = http
    async with session.get(f"{base}/healthz") as reply:
        assert reply.status == 200
    async with session.get(f"{base}/readyz") as reply:
        checks = await reply.json()
        assert reply.status == 200, checks
    assert checks["checks"] == {"ari": True, "ami": True, "database": True}
    assert checks["failing_jobs"] == []
    jobs = checks["jobs"]
    assert {"hours-refresh", "ari-events", "agents-start", "agents-queues"} <= set(jobs)
    assert all(job["state"] in ("running", "done") for job in jobs.values())
    async with session.get(f"{base}/metrics") as reply:
        assert reply.status == 200
        assert reply.content_type == "text/plain"
        text = await reply.text()
    for name, kind in (
        ("ccc_calls_in_progress", "gauge"),
        ("ccc_calls_total", "counter"),
        ("ccc_ari_reconnects_total", "counter"),
        ("ccc_events_written_total", "counter"),
        ("ccc_events_spooled", "gauge"),
        ("ccc_agi_connections_total", "counter"),
        ("ccc_event_write_seconds", "histogram"),
        ("ccc_background_job_healthy", "gauge"),
        ("ccc_background_job_restarts_total", "counter"),
    ):
        assert f"# TYPE {name} {kind}\n" in text
    assert 'ccc_background_job_healthy{job="ari-events"} 1.0' in text


async def test_every_other_route_wants_the_admin_token(
    http: tuple[aiohttp.ClientSession, str],
    admin_token: str,
    service_log: Path,
) -> None:
    session, base = http
    wrong = "not-the-token-" + "x" * 12
    for headers in ({}, {"Authorization": f"Bearer {wrong}"}, {"Authorization": wrong}):
        async with session.get(f"{base}/api/v1/hours", headers=headers) as reply:
            assert reply.status == 401
            assert (await reply.json())["error"] == "unauthorized"
    async with session.get(
        f"{base}/api/v1/hours", headers={"Authorization": f"Bearer {admin_token}"}
    ) as reply:
        assert reply.status == 200
    log = await asyncio.to_thread(service_log.read_text)
    assert "refused unauthenticated request" in log
    assert wrong not in log and admin_token not in log


async def test_a_bad_override_is_refused_with_the_reason(
    http: tuple[aiohttp.ClientSession, str], admin_token: str
) -> None:
    session, base = http
    auth = {"Authorization": f"Bearer {admin_token}"}
    for body, words in (
        ({"state": "shut", "minutes": 10, "reason": "x"}, "state"),
        ({"state": "closed", "reason": "snow"}, "until"),
        ({"state": "closed", "minutes": 10, "reason": "snow", "extra": 1}, "extra"),
    ):
        async with session.post(f"{base}/api/v1/hours/override", json=body, headers=auth) as r:
            assert r.status == 400
            assert words in await r.text()
    async with session.post(
        f"{base}/api/v1/hours/override", data=b"\xff{not json", headers=auth
    ) as reply:
        assert reply.status == 400
