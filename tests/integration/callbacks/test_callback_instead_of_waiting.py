"""Callback instead of waiting, on the real Asterisk: a caller in a queue keys 1, confirms the
number they call from, hangs up and keeps their place; when an agent becomes Ready they take
the caller ahead first, then the callback (the carrier answers: the caller is reached), then
the caller who came after. And a restart of the service between acceptance and callback loses
nothing (the placeholder stays in app_queue and is adopted)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any

import asyncpg

from ccc_telephony.app import Service
from tests.integration.agents.conftest import Api
from tests.integration.support.callers import PlacedCall
from tests.integration.support.clock import ShiftedClock
from tests.integration.support.recorder import EventRecorder
from tests.integration.support.service import ServiceRunner
from tests.integration.support.steps import Callers

FAMILY = "12" + "4567890123#"  # English, family programs, a case number


async def _accepts(callers: Callers, recorder: EventRecorder, call: PlacedCall) -> int:
    """The waiting caller keys 1, then 1 again: their caller ID (6085551234) is right."""
    await callers.line.press(call, "1")
    await recorder.wait_for(call.ivr_id, "callback_offered")
    await callers.line.press(call, "1")
    accepted = await recorder.wait_for(call.ivr_id, "callback_accepted", timeout=30)
    assert accepted.details["number"] == "6085551234"
    assert accepted.details["from_caller_id"] is True
    return int(accepted.details["callback"])


def _order(shown: str) -> list[str]:
    """The channels app_queue has waiting, in its order."""
    return re.findall(r"^\s+\d+\. (\S+)", shown, re.M)


async def _in_line(queue_show: Callable[[str], Any], count: int) -> list[str]:
    """Poll app_queue itself (not the service's belief) until `count` wait in line."""
    async with asyncio.timeout(10):
        while True:
            order = _order(await queue_show("family"))
            if len(order) >= count:
                return order
            await asyncio.sleep(0.1)


async def test_a_caller_called_back_in_their_place_reaches_the_agent(
    phones: Callable[..., Any],
    carrier: Callable[..., Any],
    api: Api,
    callers: Callers,
    recorder: EventRecorder,
    queue_show: Callable[[str], Any],
    db: asyncpg.Connection,
    service: Service,
    open_hours: ShiftedClock,
) -> None:
    agent = await phones("cback1", "3961", "family", log_in=False)
    outside = await carrier()
    ahead = await callers.queued(FAMILY)
    accepting = await callers.queued(FAMILY)
    callback = await _accepts(callers, recorder, accepting)
    await callers.line.wait_event("ChannelDestroyed", "channel", accepting.line_id, timeout=20)
    behind = await callers.queued(FAMILY)
    order = await _in_line(queue_show, 3)
    assert order[0].startswith("Local/6085550100@ccc-inbound")  # the caller ahead
    assert order[1].startswith(f"Local/{callback}@ccc-callback")  # the place kept
    assert order[2].startswith("Local/6085550100@ccc-inbound")  # who came after

    status, reply = await api.call("POST", "/api/v1/agents/cback1/login")
    assert status == 200 and reply["state"] == "ready", reply
    first = await recorder.wait_for(ahead.ivr_id, "agent_answered", timeout=30)
    assert first.details["agent"] == "cback1"
    await agent.answered()
    await callers.hang_up(ahead)

    dialled = await recorder.wait_for(accepting.ivr_id, "callback_dialled", timeout=30)
    assert dialled.details["agent"] == "cback1"
    await outside.answered()
    await recorder.wait_for(accepting.ivr_id, "callback_connected", timeout=30)
    invite = await asyncio.to_thread((agent.files / "msg.log").read_text, errors="replace")
    assert '"CALLBACK EN" <sip:6085551234@' in invite, invite[-3000:]
    assert f"X-CCC-Callback: {callback}" in invite
    row = await db.fetchrow("SELECT * FROM queue_callbacks WHERE id = $1", callback)
    assert row is not None
    assert (row["state"], row["attempts"], row["agent_id"]) == ("connected", 1, "cback1")
    await outside.hang_up()

    await recorder.wait_for(behind.ivr_id, "agent_answered", timeout=30)  # then who came after
    status, listed = await api.call("GET", "/api/v1/callbacks?state=all")
    assert status == 200
    assert any(c["id"] == callback and c["state"] == "connected" for c in listed["callbacks"])
    await callers.hang_up(behind)


async def test_a_restart_between_acceptance_and_callback_loses_nothing(
    phones: Callable[..., Any],
    carrier: Callable[..., Any],
    api: Api,
    callers: Callers,
    recorder: EventRecorder,
    queue_show: Callable[[str], Any],
    db: asyncpg.Connection,
    service_runner: ServiceRunner,
    service: Service,
    open_hours: ShiftedClock,
) -> None:
    agent = await phones("cback2", "3962", "family", log_in=False)
    outside = await carrier()
    accepting = await callers.queued(FAMILY)
    callback = await _accepts(callers, recorder, accepting)
    await _in_line(queue_show, 1)

    await service_runner.stop()
    after = EventRecorder()
    await service_runner.start(after)
    order = await _in_line(queue_show, 1)
    assert order == [next(o for o in order if o.startswith(f"Local/{callback}@ccc-callback"))]

    status, reply = await api.call("POST", "/api/v1/agents/cback2/login")
    assert status == 200, reply
    await after.wait_for(accepting.ivr_id, "callback_dialled", timeout=30)
    await outside.answered()
    await after.wait_for(accepting.ivr_id, "callback_connected", timeout=30)
    row = await db.fetchrow("SELECT state FROM queue_callbacks WHERE id = $1", callback)
    assert row is not None and row["state"] == "connected"
    await outside.hang_up()
    await agent.ended()
