"""PostgreSQL goes away while callers are in the IVR: calls go on, their events wait in the
spool, and once the database is back every event is there once, in the order it happened."""

from __future__ import annotations

import asyncio

import asyncpg

from ccc_telephony.app import Service
from tests.integration.support.callers import CallerLine
from tests.integration.support.clock import ShiftedClock
from tests.integration.support.proxy import TcpProxy
from tests.integration.support.readiness import wait_readiness
from tests.integration.support.recorder import EventRecorder
from tests.integration.support.steps import Callers


async def _wait_spooled(service: Service, count: int, timeout: float = 20) -> None:
    """Until the writer has put at least `count` events in its spool (no event for this)."""
    async with asyncio.timeout(timeout):
        while service.writer.spooled < count:  # noqa: ASYNC110 (the writer has no such event)
            await asyncio.sleep(0.05)


async def test_no_event_is_lost_while_the_database_is_down(
    service: Service,
    line: CallerLine,
    recorder: EventRecorder,
    callers: Callers,
    db: asyncpg.Connection,
    db_proxy: TcpProxy,
    open_hours: ShiftedClock,
) -> None:
    await service.writer.wait_idle()
    await db_proxy.cut()

    calls = []
    for keys in ("11" + "3456789012#", "12*"):
        call = await callers.dial()
        await line.press(call, keys)
        await recorder.wait_for(call.ivr_id, "queue_joined")
        await callers.hang_up(call)
        await recorder.wait_for(call.ivr_id, "abandoned")
        calls.append(call.ivr_id)
    emitted = {call_id: recorder.names(call_id) for call_id in calls}
    await _wait_spooled(service, sum(len(names) for names in emitted.values()))
    port = service.settings.http_port
    _, body = await wait_readiness(port, lambda answer: answer[0] == 503)
    assert body["checks"]["database"] is False and body["checks"]["ari"] is True

    db_proxy.restore()
    async with asyncio.timeout(60):
        await service.writer.wait_idle()
    assert service.writer.spooled == 0
    for call_id, names in emitted.items():
        rows = await db.fetch(
            "SELECT name FROM call_events WHERE call_id = $1 ORDER BY at, id", call_id
        )
        assert [row["name"] for row in rows] == names
        call = await db.fetchrow("SELECT * FROM calls WHERE call_id = $1", call_id)
        assert call is not None and call["outcome"] == "abandoned" and call["ended_at"] is not None
    await wait_readiness(port, lambda answer: answer[0] == 200)
