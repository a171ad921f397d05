"""Callbacks survive restarts: of the service (the placeholder stays in app_queue and is
adopted) and of Asterisk (the placeholders are gone with it; once the service is connected
again they are put back in line in the order their callers joined, ahead of whoever calls
after), and each is still called back through the carrier."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from ccc_telephony.app import Service
from tests.integration.agents.conftest import Api
from tests.integration.callbacks.steps import FAMILY, accepts, in_line, placeholder
from tests.integration.support.callers import CallerLine
from tests.integration.support.clock import ShiftedClock
from tests.integration.support.readiness import wait_readiness
from tests.integration.support.recorder import EventRecorder
from tests.integration.support.service import ServiceRunner
from tests.integration.support.steps import Callers


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
    callback = await accepts(callers, recorder, accepting)
    await in_line(queue_show, 1)

    await service_runner.stop()
    after = EventRecorder()
    await service_runner.start(after)
    order = await in_line(queue_show, 1)
    assert order == [next(o for o in order if o.startswith(placeholder(callback)))]

    status, reply = await api.call("POST", "/api/v1/agents/cback2/login")
    assert status == 200, reply
    await after.wait_for(accepting.ivr_id, "callback_dialled", timeout=30)
    await outside.answered()
    await after.wait_for(accepting.ivr_id, "callback_connected", timeout=30)
    row = await db.fetchrow("SELECT state FROM queue_callbacks WHERE id = $1", callback)
    assert row is not None and row["state"] == "connected"
    await outside.hang_up()
    await agent.ended()


async def test_after_asterisk_restarts_the_callbacks_are_put_back_in_their_order(
    restart_asterisk: Callable[[], Awaitable[None]],
    phones: Callable[..., Any],
    carrier: Callable[..., Any],
    api: Api,
    line: CallerLine,
    callers: Callers,
    recorder: EventRecorder,
    queue_show: Callable[[str], Any],
    db: asyncpg.Connection,
    service: Service,
    open_hours: ShiftedClock,
) -> None:
    agent = await phones("cback3", "3963", "family", log_in=False)
    outside = await carrier()
    ahead = await callers.queued(FAMILY)  # keeps the queue busy: the callbacks wait
    first = await callers.queued(FAMILY)
    first_callback = await accepts(callers, recorder, first)
    second = await callers.queued(FAMILY)
    second_callback = await accepts(callers, recorder, second)
    before = await in_line(queue_show, 3)
    assert before[1].startswith(placeholder(first_callback)), before
    assert before[2].startswith(placeholder(second_callback)), before

    await restart_asterisk()
    await recorder.wait_for(ahead.ivr_id, "call_ended", timeout=30)  # that caller is gone
    await wait_readiness(service.settings.http_port, lambda answer: answer[0] == 200)
    await line.wait_connected()
    again = await in_line(queue_show, 2)
    assert len(again) == 2, again
    assert again[0].startswith(placeholder(first_callback)), again
    assert again[1].startswith(placeholder(second_callback)), again
    later = await callers.queued(FAMILY)  # called after the restart: behind both
    assert (await in_line(queue_show, 3))[2].startswith("Local/6085550100@ccc-inbound")

    # One carrier call at a time in the sandbox: the second callback is cancelled (its caller
    # called again, say); the first is called back, then the caller who came after.
    status, reply = await api.call("POST", f"/api/v1/callbacks/{second_callback}/cancel")
    assert status == 200 and reply["state"] == "cancelled", reply
    status, reply = await api.call("POST", "/api/v1/agents/cback3/login")
    assert status == 200, reply
    dialled = await recorder.wait_for(first.ivr_id, "callback_dialled", timeout=30)
    assert dialled.details["agent"] == "cback3"
    await outside.answered()
    await recorder.wait_for(first.ivr_id, "callback_connected", timeout=30)
    row = await db.fetchrow("SELECT * FROM queue_callbacks WHERE id = $1", first_callback)
    assert row is not None
    assert (row["state"], row["attempts"]) == ("connected", 1)  # the restart cost no attempt
    await outside.hang_up()
    await recorder.wait_for(later.ivr_id, "agent_answered", timeout=30)
    await agent.answered(2)
    await callers.hang_up(later)
