"""The service is stopped (SIGTERM) with callers in the IVR and in a queue, a caller arrives
while it is down, and it starts again: nobody is left in silence, every call's record is
finished by the service that sees it end, and the next caller gets the IVR again."""

from __future__ import annotations

import asyncpg

from ccc_telephony.app import Service
from tests.integration.support.callers import CallerLine
from tests.integration.support.clock import ShiftedClock
from tests.integration.support.recorder import EventRecorder
from tests.integration.support.service import ServiceRunner
from tests.integration.support.steps import MAIN, Callers


async def _names(db: asyncpg.Connection, call_id: str) -> list[str]:
    rows = await db.fetch(
        "SELECT name FROM call_events WHERE call_id = $1 ORDER BY at, id", call_id
    )
    return [row["name"] for row in rows]


async def test_graceful_stop_and_restart_with_calls_up(
    service_runner: ServiceRunner,
    service: Service,
    line: CallerLine,
    recorder: EventRecorder,
    callers: Callers,
    db: asyncpg.Connection,
    open_hours: ShiftedClock,
) -> None:
    in_menu = await callers.in_main_menu()
    in_queue = await callers.dial()
    await line.press(in_queue, "10")
    await line.wait_in_app(in_queue.ivr_id, "Queue")

    await service_runner.stop()  # what SIGTERM does

    # The caller who was in the menu now waits for the operator; the record stays open.
    channel = await line.wait_in_app(in_menu.ivr_id, "Queue")
    assert channel["dialplan"]["exten"] == "operator"
    names = await _names(db, in_menu.ivr_id)
    assert "handed_to_fallback" in names and "call_ended" not in names
    assert "call_ended" not in await _names(db, in_queue.ivr_id)

    # While the service is down the dialplan alone sends a new caller to the operator.
    while_down = await line.call(MAIN)
    channel = await line.wait_in_app(while_down.ivr_id, "Queue")
    assert channel["dialplan"]["exten"] == "operator"
    await line.hangup(while_down)

    after = EventRecorder()
    restarted = await service_runner.start(after)
    await line.hangup(in_queue)
    await line.hangup(in_menu)
    ended = await after.wait_for(in_queue.ivr_id, "call_ended")
    assert ended.details["outcome"] == "queued"
    await after.wait_for(in_menu.ivr_id, "call_ended")

    next_caller = await line.call(MAIN)
    await after.wait_for(next_caller.ivr_id, "call_answered")
    await line.press(next_caller, "12*")
    queued = await after.wait_for(next_caller.ivr_id, "queued")
    assert queued.details["queue"] == "family"
    await line.hangup(next_caller)
    await after.wait_for(next_caller.ivr_id, "call_ended")
    await restarted.writer.wait_idle()
    for call in (in_menu, in_queue):
        assert (await _names(db, call.ivr_id)).count("call_ended") == 1
