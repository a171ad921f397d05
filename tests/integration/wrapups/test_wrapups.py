"""Every contact logged: a call an agent answered through the queue owes a wrap-up, listed as
missing for the agent and their supervisor once the policy's wrap-up time has passed (the
service's clock is moved, nothing waits it out); a call the agent ended as abusive needs its
abusive-call note; a failed outbound attempt is a contact logged at once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import asyncpg

from ccc_telephony.app import Service
from ccc_telephony.devstack.stack import Stack
from tests.integration.agents.conftest import Api
from tests.integration.support.cli import run_cli
from tests.integration.support.clock import Moments, ShiftedClock
from tests.integration.support.recorder import EventRecorder
from tests.integration.support.steps import Callers

WRAPUP = {
    "disposition": "renewal",
    "comment": "Renewal form re-sent; told the caller it is due on the 15th.",
    "first_contact_resolved": True,
    "interpreter_used": False,
}


async def _answered_call(
    callers: Callers, recorder: EventRecorder, service: Service, agent: Any
) -> str:
    call = await callers.with_agent("11" + "4567890123#", agent)
    await callers.hang_up(call)
    await recorder.wait_for(call.ivr_id, "agent_call_completed")
    await service.writer.wait_idle()
    return call.ivr_id


def _calls(reply: dict[str, Any]) -> set[str]:
    return {row["call_id"] for row in reply["missing"]}


async def test_a_call_without_its_wrapup_is_listed_for_the_agent_and_their_supervisor(
    phones: Callable[..., Any],
    staff: Callable[..., Awaitable[str]],
    api: Api,
    callers: Callers,
    recorder: EventRecorder,
    service: Service,
    clock: ShiftedClock,
    moments: Moments,
    stack: Stack,
) -> None:
    boss = await staff("wsup1", "ebd", role="supervisor")
    stranger = await staff("wsup2", "family", role="supervisor")
    agent = await phones("wagent1", "3931", "ebd", supervisor="wsup1")
    clock.set(moments.open)
    call_id = await _answered_call(callers, recorder, service, agent)
    mine = "/api/v1/agents/wagent1/wrapups/missing"
    status, reply = await api.call("GET", mine)
    assert status == 200 and call_id not in _calls(reply)  # not due yet

    clock.set(moments.open + timedelta(minutes=service.policy.wrapups.due_minutes + 1))
    status, reply = await api.call("GET", mine)
    assert status == 200 and call_id in _calls(reply), reply
    [row] = [r for r in reply["missing"] if r["call_id"] == call_id]
    assert (row["kind"], row["agent"], row["abusive_note_required"]) == (
        "inbound_call",
        "wagent1",
        False,
    )
    status, unit = await api.call("GET", "/api/v1/wrapups/missing", token=boss)
    assert status == 200 and call_id in _calls(unit)
    status, other = await api.call("GET", "/api/v1/wrapups/missing", token=stranger)
    assert status == 200 and call_id not in _calls(other)
    status, reply = await api.call("GET", mine, token=stranger)
    assert status == 403, reply
    code, out, err = await run_cli(stack, "wrapups", "missing", "--agent", "wagent1")
    assert code == 0 and f"wagent1  call {call_id}" in out, err

    path = f"/api/v1/agents/wagent1/calls/{call_id}/wrapup"
    status, reply = await api.call("PUT", path, {**WRAPUP, "disposition": "gossip"})
    assert status == 400 and "disposition" in reply["detail"], reply
    status, reply = await api.call("PUT", path, {**WRAPUP, "comment": "SSN 212 34 5678"})
    assert status == 400 and "Social Security" in reply["detail"], reply
    status, reply = await api.call("PUT", "/api/v1/agents/wagent1/calls/nosuchcall/wrapup", WRAPUP)
    assert status == 404, reply
    status, reply = await api.call("PUT", path, WRAPUP, token=boss)
    assert status == 200, reply
    assert reply["wrapup"]["disposition"] == "renewal" and not reply["missing"]
    assert reply["wrapup"]["recorded_by"].startswith("wsup1")
    status, reply = await api.call("GET", mine)
    assert status == 200 and call_id not in _calls(reply)


async def test_a_failed_outbound_attempt_is_a_contact_logged_at_once(
    phones: Callable[..., Any],
    service: Service,
    db: asyncpg.Connection,
    open_hours: ShiftedClock,
) -> None:
    await phones("wagent2", "3932", "family", log_in=False)
    row = await service.wrapups.failed_attempt(
        agent_id="wagent2", call_id="attempt-1", outcome="no_answer"
    )
    assert (row.kind, row.disposition, row.recorded_by) == (
        "outbound_attempt",
        "no_answer",
        "wagent2",
    )
    stored = await db.fetchrow(
        "SELECT kind, recorded_at FROM contacts WHERE call_id = $1 AND agent_id = $2",
        "attempt-1",
        "wagent2",
    )
    assert stored is not None and stored["kind"] == "outbound_attempt" and stored["recorded_at"]
