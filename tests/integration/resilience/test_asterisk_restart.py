"""Asterisk restarts under the service: calls it was holding are closed in the database with a
clear outcome, the service reconnects by itself (ARI and AMI), and the next caller is served."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import aiohttp

from ccc_telephony.app import Service
from tests.integration.support.callers import CallerLine
from tests.integration.support.clock import ShiftedClock
from tests.integration.support.recorder import EventRecorder
from tests.integration.support.steps import Callers


async def _wait_ready(service: Service, timeout: float = 30) -> None:
    """Until /readyz says ARI, AMI and the database all answer (polls the real endpoint)."""
    url = f"http://127.0.0.1:{service.settings.http_port}/readyz"
    async with aiohttp.ClientSession() as http, asyncio.timeout(timeout):
        while True:
            async with http.get(url) as reply:
                if reply.status == 200:
                    return
            await asyncio.sleep(0.1)


async def test_asterisk_restart_mid_call(
    restart_asterisk: Callable[[], Awaitable[None]],
    service: Service,
    line: CallerLine,
    recorder: EventRecorder,
    callers: Callers,
    open_hours: ShiftedClock,
) -> None:
    in_menu = await callers.in_main_menu()
    in_queue = await callers.dial()
    await line.press(in_queue, "10")
    await line.wait_in_app(in_queue.ivr_id, "Queue")

    await restart_asterisk()

    ended_in_menu = await recorder.wait_for(in_menu.ivr_id, "call_ended", timeout=30)
    ended_in_queue = await recorder.wait_for(in_queue.ivr_id, "call_ended", timeout=30)
    assert ended_in_menu.details["outcome"] == "hangup_in_ivr"
    assert ended_in_queue.details["outcome"] == "queued"
    await _wait_ready(service)
    await line.wait_connected()

    after = await callers.dial()
    await line.press(after, "12" + "3456789012#")
    queued = await recorder.wait_for(after.ivr_id, "queued")
    assert queued.details["queue"] == "family"
    await callers.hang_up(after)
