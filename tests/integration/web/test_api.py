"""The HTTP API as an operator's tools see it: health and metrics open, everything else behind
the admin token, refusals logged without the token, bad bodies answered with a clear error."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import asyncpg
import pytest

from ccc_telephony.app import Service
from tests.integration.support.proxy import TcpProxy

# Enough requests at once to keep every pooled connection busy for longer than a checkout may
# wait (store/engine.py POOL_TIMEOUT_SECONDS).
FLOOD_CONCURRENCY = 2000
FLOOD_REQUESTS = 8000
DATABASE_LATENCY_SECONDS = 0.02


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


@pytest.fixture
def slow_database(db_proxy: TcpProxy) -> Iterator[None]:
    """The service's database a few milliseconds away, as on another host."""
    db_proxy.latency = DATABASE_LATENCY_SECONDS
    try:
        yield
    finally:
        db_proxy.latency = 0.0


async def test_a_flood_of_bad_tokens_leaves_the_event_writer_its_connections(
    service: Service, db: asyncpg.Connection, service_log: Path, slow_database: None
) -> None:
    """Random bearer tokens cost a database look-up each; while thousands arrive at once, the
    calls' events must still go straight to the database (no spool, no outage path)."""
    await service.writer.wait_idle()
    logged_before = (await asyncio.to_thread(service_log.stat)).st_size
    call_id = f"flood-{secrets.token_hex(6)}"
    url = f"http://127.0.0.1:{service.settings.http_port}/api/v1/agents"
    replies: list[int] = []
    emitted = 0

    async def knock(http: aiohttp.ClientSession) -> None:
        nonlocal emitted
        while len(replies) < FLOOD_REQUESTS:
            headers = {"Authorization": f"Bearer {secrets.token_urlsafe(32)}"}
            async with http.get(url, headers=headers) as reply:
                replies.append(reply.status)
            if len(replies) % 20 == 0:  # a call's events keep coming during the flood
                service.emit(call_id, "prompt_played", {"prompt": "greeting", "n": emitted})
                emitted += 1
                assert not service.writer.degraded

    connector = aiohttp.TCPConnector(limit=FLOOD_CONCURRENCY)
    async with aiohttp.ClientSession(connector=connector) as http, asyncio.timeout(240):
        await asyncio.gather(*(knock(http) for _ in range(FLOOD_CONCURRENCY)))
        await service.writer.wait_idle()
    assert set(replies) <= {401, 503}  # refused, or shed while too many wait for a look-up
    assert service.writer.spooled == 0 and not service.writer.degraded
    stored = await db.fetchval("SELECT count(*) FROM call_events WHERE call_id = $1", call_id)
    assert stored == emitted
    log = await asyncio.to_thread(service_log.read_bytes)
    assert b"spooling events" not in log[logged_before:]
