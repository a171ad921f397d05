"""Callback instead of waiting, on the real Asterisk: a caller in a queue keys 1, confirms the
number they call from, hangs up and keeps their place; when an agent becomes Ready they take
the caller ahead first, then the callback (the carrier answers: the caller is reached), then
the caller who came after; the callback is one contact of the agent's, on the caller's call."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import asyncpg

from ccc_telephony.app import Service
from tests.integration.agents.conftest import Api
from tests.integration.callbacks.steps import FAMILY, accepts, in_line, placeholder
from tests.integration.support.clock import ShiftedClock
from tests.integration.support.recorder import EventRecorder
from tests.integration.support.steps import Callers


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
    callback = await accepts(callers, recorder, accepting)
    await callers.line.wait_event("ChannelDestroyed", "channel", accepting.line_id, timeout=20)
    behind = await callers.queued(FAMILY)
    order = await in_line(queue_show, 3)
    assert order[0].startswith("Local/6085550100@ccc-inbound")  # the caller ahead
    assert order[1].startswith(placeholder(callback))  # the place kept
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

    # One contact per caller the agent spoke to, the callback's on the caller's own call (a
    # wrap-up owed since it ended); the placeholder is no call of its own.
    await service.returns.contacts.settled()
    await service.writer.wait_idle()
    contacts = await db.fetch(
        "SELECT kind, call_id, due_at, recorded_at FROM contacts WHERE agent_id = 'cback1' "
        "ORDER BY id"
    )
    assert [(c["kind"], c["call_id"]) for c in contacts] == [
        ("inbound_call", ahead.ivr_id),
        ("return_call", accepting.ivr_id),
        ("inbound_call", behind.ivr_id),
    ]
    assert contacts[1]["due_at"] is not None and contacts[1]["recorded_at"] is None
    assert await db.fetchval("SELECT count(*) FROM calls WHERE call_id LIKE 'callback-%'") == 0
