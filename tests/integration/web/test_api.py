"""The HTTP API as an operator's tools see it: health and metrics open, everything else behind
the admin token, refusals logged without the token, bad bodies answered with a clear error."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp


async def test_health_and_metrics_need_no_token(
    http: tuple[aiohttp.ClientSession, str],
) -> None:
    session, base = http
    async with session.get(f"{base}/healthz") as reply:
        assert reply.status == 200
    async with session.get(f"{base}/readyz") as reply:
        assert reply.status == 200
        checks = await reply.json()
    assert checks["checks"] == {"ari": True, "ami": True, "database": True}
    async with session.get(f"{base}/metrics") as reply:
        assert reply.status == 200
        assert reply.content_type == "text/plain"
        text = await reply.text()
    for name in (
        "ccc_calls_in_progress",
        "ccc_calls_total",
        "ccc_ari_reconnects_total",
        "ccc_event_write_seconds",
    ):
        assert f"# TYPE {name}" in text


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
