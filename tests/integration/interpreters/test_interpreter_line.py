"""An interpreter conferenced into a queue call from the screen (the API), and every way it
ends: the interpreter hangs up, the agent hangs up, the line does not answer, the service
restarts. Each time the caller's call is put back as it was and nothing is left behind."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from ccc_telephony.app import Service
from ccc_telephony.config.interpreters import Interpreters
from ccc_telephony.devstack.stack import Stack
from tests.integration.agents.conftest import Api
from tests.integration.interpreters.conftest import channels_gone
from tests.integration.support.clock import ShiftedClock
from tests.integration.support.ports import free_udp_port
from tests.integration.support.proxy import TcpProxy
from tests.integration.support.recorder import EventRecorder
from tests.integration.support.service import ServiceRunner
from tests.integration.support.steps import Callers
from tests.sipp import BUSY, CallHandling, Carrier

TALKING = CallHandling(transfers=True)


async def _agent_leg(service: Service, extension: str) -> str:
    channels = await service.ari.channels()
    return next(str(c["name"]) for c in channels if c["name"].startswith(f"PJSIP/{extension}-"))


async def test_from_the_screen_the_interpreter_hangs_up_then_the_agent(
    phones: Callable[..., Any],
    language_line: Callable[..., Any],
    api: Api,
    token_for: Callable[..., Any],
    callers: Callers,
    recorder: EventRecorder,
    service: Service,
    db: asyncpg.Connection,
    open_hours: ShiftedClock,
) -> None:
    route = "/api/v1/agents/iebd1/call/interpreter"
    assert (await api.call("POST", "/api/v1/agents/nobody/call/interpreter", {}))[0] == 404
    agent = await phones("iebd1", "3861", "ebd", handling=TALKING)
    interpreter = await language_line()
    assert (await api.call("POST", route, {}))[0] == 409  # no caller yet
    call = await callers.with_agent("11" + "4567890123#", agent)
    body = {"language": "so", "name": "Ayaan Hassan", "role": "Somali interpreter"}
    status, reply = await api.call("POST", route, body)
    assert status == 202, reply
    assert (reply["language"], reply["stage"], reply["name"]) == ("so", "calling", "Ayaan Hassan")
    await interpreter.answered()
    joined = await recorder.wait_for(call.ivr_id, "interpreter_joined")
    assert (joined.details["number"], joined.details["role"]) == (
        "PJSIP/language-line",
        "Somali interpreter",
    )
    status, reply = await api.call("POST", route, body)
    assert status == 409 and "already" in reply["detail"]
    bad = await api.call("PATCH", route, {"name": "Ayaan 123-45-6789"})
    assert bad[0] == 400  # no digits in a name: never an SSN
    await phones("iebd4", "3865", "ebd", log_in=False)
    colleague = await api.call("DELETE", route, token=await token_for("iebd4"))
    assert colleague[0] == 403  # a colleague may not act on the call
    own = await api.call("PATCH", route, {"interpreter_id": "77"}, token=await token_for("iebd1"))
    assert own[0] == 200 and own[1]["interpreter_id"] == "77", own

    await interpreter.hang_up()
    left = await recorder.wait_for(call.ivr_id, "interpreter_left")
    assert left.details["reason"] == "interpreter_hung_up"
    assert len(agent.state.talking) == 1
    assert (await api.call("DELETE", route))[0] == 409  # nobody to drop now

    # In again (the caller's own language this time), and the agent hangs up.
    status, reply = await api.call("POST", route, {})
    assert status == 202 and reply["language"] == "en", reply
    await interpreter.answered(2)
    await recorder.wait_until(call.ivr_id, lambda n: n.count("interpreter_joined") == 2)
    await agent.hang_up()
    await recorder.wait_until(call.ivr_id, lambda n: n.count("interpreter_left") == 2)
    assert len(await interpreter.ended(2)) == 2
    await service.writer.wait_idle()
    rows = await db.fetch(
        "SELECT language, name, left_reason FROM call_interpreters WHERE call_id = $1"
        " ORDER BY joined_at",
        call.ivr_id,
    )
    assert tuple(rows[0]) == ("so", "Ayaan Hassan", "interpreter_hung_up")
    # app_queue then hangs the caller up: whichever Asterisk reports first says why.
    assert rows[1]["language"] == "en" and rows[1]["left_reason"] in (
        "agent_hung_up",
        "caller_left",
        "call_ended",
    )
    await callers.line.hangup(call)


async def test_a_line_that_does_not_answer_then_an_outside_number(
    phones: Callable[..., Any],
    language_line: Callable[..., Any],
    callers: Callers,
    recorder: EventRecorder,
    service: Service,
    stack: Stack,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    open_hours: ShiftedClock,
) -> None:
    """The language line is busy: not reached, nothing left behind. Then the admin's line is
    an outside number: dialled through the carrier trunk (the sandbox's carrier answers)."""
    agent = await phones("iebd3", "3864", "ebd", handling=TALKING)
    await language_line(handling=BUSY)
    call = await callers.with_agent("11" + "4567890123#", agent)
    desk = service.interpreters.desk
    leg = await _agent_leg(service, "3864")
    it = await desk.join(call_id=call.ivr_id, agent_id="iebd3", agent_leg=leg, language="es")
    missed = await recorder.wait_for(call.ivr_id, "interpreter_not_reached")
    assert missed.details["reason"] == "no_answer"
    assert "interpreter_joined" not in recorder.names(call.ivr_id)
    bridges = await service.ari.request("GET", "/bridges")
    assert it.bridge_id not in {b["id"] for b in bridges}
    assert len(agent.state.talking) == 1

    monkeypatch.setattr(desk, "_policy", Interpreters(line="6085550188"))
    carrier = Carrier(
        asterisk=f"127.0.0.1:{stack.inst.ports.sip}",
        local_port=stack.inst.ports.carrier,
        media_port=free_udp_port(even=True),
        workdir=tmp_path,
    )
    async with carrier:
        it = await desk.join(call_id=call.ivr_id, agent_id="iebd3", agent_leg=leg, language="es")
        await carrier.answered()
        joined = await recorder.wait_for(call.ivr_id, "interpreter_joined")
        assert joined.details["number"] == "6085550188"
        await desk.drop(call.ivr_id)
        # A snoop hung up goes once audio passes through the caller's channel again (Asterisk
        # detaches its audiohook there): this caller is silent until it speaks.
        await callers.line.say(call, "beep")
        await channels_gone(service, it.line_channel, it.snoop_channel)
    assert len(agent.state.talking) == 1
    await callers.hang_up(call)


async def test_a_restart_with_an_interpreter_in_leaves_no_orphans(
    phones: Callable[..., Any],
    language_line: Callable[..., Any],
    callers: Callers,
    recorder: EventRecorder,
    service_runner: ServiceRunner,
    service: Service,
    ari_proxy: TcpProxy,
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
    # The events link drops and comes back: the conference goes on (the channels are found in
    # the app again and left where they are).
    await ari_proxy.cut()
    async with asyncio.timeout(10):
        await service.events.disconnected.wait()
    ari_proxy.restore()
    async with asyncio.timeout(10):
        await service.events.connected.wait()
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
    await callers.line.say(call, "beep")  # audio through the caller: the snoop detaches
    await channels_gone(restarted, it.line_channel, it.snoop_channel)
    assert len(agent.state.talking) == 1
    await callers.line.hangup(call)
    await after.wait_for(call.ivr_id, "call_ended")
