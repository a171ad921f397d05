"""Callbacks survive restarts: of the service (the placeholder stays in app_queue and is
adopted) and of Asterisk (the placeholders are gone with it; once the service is connected
again they are put back in line in the order their callers joined, ahead of whoever calls
after), and each is still called back through the carrier. A restart while the caller's phone
rings ends that attempt (never a caller answering into silence, nor dialled twice at once):
it counts as unanswered and is tried again later."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from ccc_telephony.app import Service
from ccc_telephony.callbacks.service import INTERRUPTED
from tests.integration.agents.conftest import Api
from tests.integration.callbacks.steps import FAMILY, accepts, in_line, log_out, order, placeholder
from tests.integration.support.callers import CallerLine
from tests.integration.support.clock import ShiftedClock
from tests.integration.support.readiness import wait_readiness
from tests.integration.support.recorder import EventRecorder
from tests.integration.support.service import ServiceRunner
from tests.integration.support.steps import Callers
from tests.sipp import NO_ANSWER


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


async def test_a_restart_while_the_caller_rings_ends_that_attempt_and_tries_again_later(
    phones: Callable[..., Any],
    carrier: Callable[..., Any],
    api: Api,
    callers: Callers,
    recorder: EventRecorder,
    db: asyncpg.Connection,
    service_runner: ServiceRunner,
    service: Service,
    open_hours: ShiftedClock,
) -> None:
    agent = await phones("cback6", "3966", "family", log_in=False)
    outside = await carrier(handling=NO_ANSWER)
    accepting = await callers.queued(FAMILY)
    callback = await accepts(callers, recorder, accepting)
    status, _ = await api.call("POST", "/api/v1/agents/cback6/login")
    assert status == 200
    await recorder.wait_for(accepting.ivr_id, "callback_dialled", timeout=30)
    await outside.offered()  # the caller's phone rings...
    row = await db.fetchrow("SELECT * FROM queue_callbacks WHERE id = $1", callback)
    assert row is not None and row["state"] == "dialling"
    assert row["attempt_id"] is not None  # known before it was dialled

    await service_runner.stop()  # ...as the service goes away
    after = EventRecorder()
    restarted = await service_runner.start(after)
    failed = await after.wait_for(accepting.ivr_id, "callback_failed", timeout=30)
    assert failed.details["attempt_id"] == row["attempt_id"]
    assert (failed.details["outcome"], failed.details["final"]) == ("failed", False)
    assert failed.details["reason"] == INTERRUPTED
    await outside.cancelled()  # the ringing attempt was ended, not left to be answered
    await agent.ended()  # and the agent freed
    row = await db.fetchrow("SELECT * FROM queue_callbacks WHERE id = $1", callback)
    assert row is not None
    assert (row["state"], row["attempts"], row["last_outcome"]) == ("waiting", 1, "failed")
    assert row["next_attempt_at"] > open_hours()  # later, not at once
    assert await restarted.callbacks.service.tick() == 0
    contact = await db.fetchrow(
        "SELECT * FROM contacts WHERE call_id = $1 AND kind = 'outbound_attempt'",
        row["attempt_id"],
    )
    assert contact is not None
    assert (contact["agent_id"], contact["disposition"]) == ("cback6", "failed")


async def test_asterisk_restarting_while_the_caller_rings_puts_the_callback_back_later(
    restart_asterisk: Callable[[], Awaitable[None]],
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
    """The placeholder vanishes with Asterisk while the caller is dialled: the attempt is
    settled at once (not after its ring time), counted, and put back in line only when its
    retry is due, never dialled again at once."""
    await phones("cback7", "3967", "family", log_in=False)
    outside = await carrier(handling=NO_ANSWER)
    accepting = await callers.queued(FAMILY)
    callback = await accepts(callers, recorder, accepting)
    status, _ = await api.call("POST", "/api/v1/agents/cback7/login")
    assert status == 200
    await recorder.wait_for(accepting.ivr_id, "callback_dialled", timeout=30)
    await outside.offered()

    await restart_asterisk()
    # Asterisk's own shutdown hangs the channels up: the dialer hears the caller's channel
    # (no_answer) or the placeholder (failed) go first, and the attempt ends at once (a
    # killed Asterisk leaves it to the reconnect, which finds both gone).
    failed = await recorder.wait_for(accepting.ivr_id, "callback_failed", timeout=20)
    assert failed.details["outcome"] in ("failed", "no_answer"), failed.details
    assert failed.details["final"] is False
    row = await db.fetchrow("SELECT * FROM queue_callbacks WHERE id = $1", callback)
    assert row is not None and (row["state"], row["attempts"]) == ("waiting", 1)
    await wait_readiness(service.settings.http_port, lambda answer: answer[0] == 200)
    await log_out(api, "cback7")
    callbacks = service.callbacks.service
    assert await callbacks.tick() == 0  # not put back at once
    assert order(await queue_show("family")) == []
    open_hours.set(row["next_attempt_at"])
    await callbacks.tick()
    assert (await in_line(queue_show, 1))[0].startswith(placeholder(callback))
    assert recorder.names(accepting.ivr_id).count("callback_dialled") == 1
