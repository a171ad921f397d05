"""Asterisk's link drops while a caller is in the IVR: the call is picked up again, not left
silent, and its events stay whole (one call_started, one call_ended)."""

from __future__ import annotations

import asyncio

from ccc_telephony.app import Service
from tests.integration.support.callers import CallerLine
from tests.integration.support.clock import ShiftedClock
from tests.integration.support.proxy import TcpProxy
from tests.integration.support.recorder import EventRecorder
from tests.integration.support.steps import Callers


async def test_caller_in_the_menu_survives_a_dropped_ari_link(
    service: Service,
    line: CallerLine,
    recorder: EventRecorder,
    callers: Callers,
    ari_proxy: TcpProxy,
    open_hours: ShiftedClock,
) -> None:
    reconnects = service.events.reconnects
    call = await callers.in_main_menu()

    await ari_proxy.cut()
    async with asyncio.timeout(10):
        await service.events.disconnected.wait()
    ari_proxy.restore()
    async with asyncio.timeout(15):
        await service.events.connected.wait()
    assert service.events.reconnects > reconnects

    # The same call goes on from where it was: the caller picks Family and keys a case number.
    await line.press(call, "2" + "2345678901#")
    queued = await recorder.wait_for(call.ivr_id, "queued", timeout=30)
    assert queued.details["queue"] == "family"
    channel = await line.wait_in_app(call.ivr_id, "Queue")
    assert channel["dialplan"]["exten"] == "family"
    await callers.hang_up(call)
    names = recorder.names(call.ivr_id)
    assert names.count("call_started") == 1 and names.count("call_ended") == 1


async def test_caller_waiting_in_the_queue_is_still_seen_to_hang_up_after_a_drop(
    service: Service,
    line: CallerLine,
    recorder: EventRecorder,
    callers: Callers,
    ari_proxy: TcpProxy,
    open_hours: ShiftedClock,
) -> None:
    call = await callers.dial()
    await line.press(call, "10")
    await recorder.wait_for(call.ivr_id, "queued")
    await line.wait_in_app(call.ivr_id, "Queue")

    await ari_proxy.cut()
    async with asyncio.timeout(10):
        await service.events.disconnected.wait()
    await line.hangup(call)  # while the service cannot see it
    ari_proxy.restore()

    ended = await recorder.wait_for(call.ivr_id, "call_ended", timeout=30)
    assert ended.details["outcome"] == "queued"
    assert recorder.names(call.ivr_id).count("call_ended") == 1
