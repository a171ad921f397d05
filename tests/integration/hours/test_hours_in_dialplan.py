"""The same hours rules in an admin's own dialplan, through our FastAGI server on the real
Asterisk (the `ccc-fallback` context runs `AGI(agi://.../hours)`), and the admin's override
set and cleared through the API, recorded in the database and obeyed by both."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import asyncpg
import pytest

from ccc_telephony.app import Service
from tests.integration.support.callers import CallerLine
from tests.integration.support.clock import ShiftedClock
from tests.integration.support.recorder import EventRecorder
from tests.integration.support.steps import MAIN, Callers


@pytest.fixture
async def api(service: Service, admin_token: str) -> AsyncIterator[aiohttp.ClientSession]:
    base = f"http://127.0.0.1:{service.settings.http_port}"
    headers = {"Authorization": f"Bearer {admin_token}"}
    async with aiohttp.ClientSession(base_url=base, headers=headers) as session:
        yield session
        async with session.delete("/api/v1/hours/override") as reply:
            assert reply.status == 200


async def test_agi_hours_open_sends_the_caller_to_the_operator(
    service: Service, line: CallerLine, open_hours: ShiftedClock
) -> None:
    handled = service.agi.stats.handled
    call = await line.call("s", context="ccc-fallback")
    await line.wait_in_app(call.ivr_id, "Queue")
    assert await line.variable(call.ivr_id, "CCC_OPEN") == "1"
    assert await line.variable(call.ivr_id, "CCC_REASON") == "open"
    assert service.agi.stats.handled > handled
    await line.hangup(call)


async def test_override_closes_the_ivr_and_the_agi_alike(
    service: Service,
    line: CallerLine,
    recorder: EventRecorder,
    callers: Callers,
    db: asyncpg.Connection,
    api: aiohttp.ClientSession,
    open_hours: ShiftedClock,
) -> None:
    body = {"state": "closed", "minutes": 120, "reason": "snow day"}
    async with api.post("/api/v1/hours/override", json=body) as reply:
        assert reply.status == 201
    async with api.get("/api/v1/hours") as reply:
        hours = await reply.json()
    assert (hours["open"], hours["reason"]) == (False, "override_closed")
    row = await db.fetchrow("SELECT * FROM hours_overrides ORDER BY id DESC LIMIT 1")
    assert row is not None and row["open"] is False and row["reason"] == "snow day"

    fallback = await line.call("s", context="ccc-fallback")
    await line.wait_in_app(fallback.ivr_id, "Playback")
    assert await line.variable(fallback.ivr_id, "CCC_OPEN") == "0"
    assert await line.variable(fallback.ivr_id, "CCC_REASON") == "override_closed"
    await line.hangup(fallback)

    call = await line.call(MAIN)
    applied = await recorder.wait_for(call.ivr_id, "override_applied")
    assert applied.details["note"] == "snow day"
    await line.press(call, "1")
    after = await recorder.wait_for(call.ivr_id, "after_hours")
    assert after.details["reason"] == "override_closed"
    await callers.hang_up(call)

    async with api.delete("/api/v1/hours/override") as reply:
        assert (await reply.json())["cleared"]
    async with api.get("/api/v1/hours") as reply:
        assert (await reply.json())["open"] is True
