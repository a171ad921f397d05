"""Agents at their SIP phones use feature codes: log in, Not Ready with a reason, Ready, log
out; the Help queue's last Ready lead is refused a break on the phone too."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import asyncpg

from tests.integration.agents.conftest import Api
from tests.integration.support.clock import ShiftedClock
from tests.integration.support.ports import free_udp_port
from tests.sipp import SipPhone


async def _dial(phone: SipPhone, code: str) -> None:
    """Dial a code and wait until the service has answered, said its piece and hung up."""
    ports = {"local_port": free_udp_port(), "media_port": free_udp_port(even=True)}
    async with phone.dial(code, **ports) as call:
        assert await call.ended() == "far"


async def test_feature_codes_and_the_help_queue_guard_on_the_phone(
    phones: Callable[..., Any], api: Api, db: asyncpg.Connection, open_hours: ShiftedClock
) -> None:
    first = await phones("hq1", "3801", "ebd", role="lead", hq_shift="am", log_in=False)
    second = await phones("hq2", "3802", "family", role="lead", hq_shift="am", log_in=False)
    for phone in (first, second):
        await _dial(phone, "*70")
    for agent in ("hq1", "hq2"):
        _, body = await api.call("GET", f"/api/v1/agents/{agent}")
        assert body["state"] == "ready" and "help" in body["queues"], body

    await _dial(first, "*733")  # On Break: hq2 is still Ready on Help
    _, body = await api.call("GET", "/api/v1/agents/hq1")
    assert (body["state"], body["reason"]) == ("not_ready", "On Break")

    await _dial(second, "*733")  # the last Ready lead: refused
    _, body = await api.call("GET", "/api/v1/agents/hq2")
    assert body["state"] == "ready"
    refusal = await db.fetchrow(
        "SELECT outcome, requested_by FROM agent_state_refusals WHERE agent_id = 'hq2'"
    )
    assert refusal is not None and tuple(refusal) == ("refused", "phone:3802")

    await _dial(first, "*72")
    await _dial(second, "*731")  # Last call, now that hq1 is back
    _, body = await api.call("GET", "/api/v1/agents/hq2")
    assert (body["state"], body["reason"]) == ("not_ready", "Last call")
    for phone, agent in ((first, "hq1"), (second, "hq2")):
        await _dial(phone, "*71")
        _, body = await api.call("GET", f"/api/v1/agents/{agent}")
        assert body["state"] == "logged_out" and body["queues"] == []
