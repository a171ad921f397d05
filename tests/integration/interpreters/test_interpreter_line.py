"""An interpreter conferenced into a queue call: the language line rings and answers, the
snoop on the caller and the interpreter share a bridge of the service's app, and dropping the
interpreter ends both and keeps the caller with the agent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import asyncpg

from ccc_telephony.app import Service
from tests.integration.support.clock import ShiftedClock
from tests.integration.support.recorder import EventRecorder
from tests.integration.support.service import ServiceRunner
from tests.integration.support.steps import Callers
from tests.sipp import CallHandling

TALKING = CallHandling(transfers=True)


async def _agent_leg(service: Service, extension: str) -> str:
    channels = await service.ari.channels()
    return next(str(c["name"]) for c in channels if c["name"].startswith(f"PJSIP/{extension}-"))


async def test_interpreter_joins_and_is_dropped(
    phones: Callable[..., Any],
    language_line: Callable[..., Any],
    callers: Callers,
    recorder: EventRecorder,
    service: Service,
    db: asyncpg.Connection,
    open_hours: ShiftedClock,
) -> None:
    agent = await phones("iebd1", "3861", "ebd", handling=TALKING)
    interpreter = await language_line()
    call = await callers.with_agent("11" + "4567890123#", agent)
    desk = service.interpreters.desk
    it = await desk.join(
        call_id=call.ivr_id,
        agent_id="iebd1",
        agent_leg=await _agent_leg(service, "3861"),
        language="es",
    )
    await interpreter.answered()
    joined = await recorder.wait_for(call.ivr_id, "interpreter_joined")
    assert joined.details["language"] == "es"
    bridge = await service.ari.request("GET", f"/bridges/{it.bridge_id}")
    assert sorted(bridge["channels"]) == sorted([it.line_channel, it.snoop_channel])
    await desk.drop(call.ivr_id)
    left = await recorder.wait_for(call.ivr_id, "interpreter_left")
    assert left.details["reason"] == "dropped"
    assert (await interpreter.ended())[0][1] == "far"
    assert len(agent.state.talking) == 1
    await service.writer.wait_idle()
    row = await db.fetchrow("SELECT * FROM call_interpreters WHERE call_id = $1", call.ivr_id)
    assert row is not None and row["left_reason"] == "dropped"
    await callers.hang_up(call)


async def test_a_restart_with_an_interpreter_in_leaves_no_orphans(
    phones: Callable[..., Any],
    language_line: Callable[..., Any],
    callers: Callers,
    recorder: EventRecorder,
    service_runner: ServiceRunner,
    service: Service,
    open_hours: ShiftedClock,
) -> None:
    """The conference lives in Asterisk while the service is down; the next start ends it
    (interpreter and snoop hung up, bridge gone) and the caller stays with the agent."""
    agent = await phones("iebd2", "3862", "ebd", handling=TALKING)
    interpreter = await language_line()
    call = await callers.with_agent("11" + "4567890123#", agent)
    it = await service.interpreters.desk.join(
        call_id=call.ivr_id,
        agent_id="iebd2",
        agent_leg=await _agent_leg(service, "3862"),
        language="es",
    )
    await recorder.wait_for(call.ivr_id, "interpreter_joined")
    await service_runner.stop()
    # A stop sends neither channel anywhere (the fallback is the callers' operator queue).
    channels = {c["id"]: c for c in await callers.line.ari.channels()}
    assert channels[it.line_channel]["dialplan"]["app_name"] == "Stasis"
    assert channels[it.snoop_channel]["dialplan"]["app_name"] == "Stasis"

    after = EventRecorder()
    restarted = await service_runner.start(after)
    left = await after.wait_for(call.ivr_id, "interpreter_left")
    assert left.details == {"session": str(it.session), "reason": "service_restarted"}
    assert (await interpreter.ended())[0][1] == "far"
    bridges = await restarted.ari.request("GET", "/bridges")
    assert not [b for b in bridges if b["id"] == it.bridge_id]
    assert len(agent.state.talking) == 1
    await callers.line.hangup(call)
    await after.wait_for(call.ivr_id, "call_ended")
