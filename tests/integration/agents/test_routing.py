"""Callers from the IVR reach agents on real SIP phones (SIPp, registered with digest auth):
by team and language, skipping Not Ready agents; a ring-no-answer pauses the agent; the call's
queue events and the agent's states land in PostgreSQL with their durations."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import asyncpg

from ccc_telephony.app import Service
from tests.integration.agents.conftest import Api
from tests.integration.support.clock import ShiftedClock
from tests.integration.support.recorder import EventRecorder
from tests.integration.support.steps import Callers
from tests.sipp import NO_ANSWER


async def test_a_family_caller_reaches_a_ready_family_agent(
    phones: Callable[..., Any],
    api: Api,
    callers: Callers,
    recorder: EventRecorder,
    db: asyncpg.Connection,
    service: Service,
    open_hours: ShiftedClock,
) -> None:
    await phones("ebd1", "3711", "ebd")
    family = await phones("fam1", "3712", "family")
    call = await callers.dial()
    await callers.line.press(call, "12" + "4567890123#")
    answered = await recorder.wait_for(call.ivr_id, "agent_answered", timeout=30)
    assert (answered.details["agent"], answered.details["queue"]) == ("fam1", "family")
    assert answered.details["wait_seconds"] is not None
    await family.answered()
    invite = await asyncio.to_thread((family.files / "msg.log").read_text, errors="replace")
    shown_to_agent = (
        f"X-CCC-Call-Id: {call.ivr_id}",
        "X-CCC-Case: 4567890123",
        "X-CCC-Language: en",
        '"EN 4567890123"',
    )
    for shown in shown_to_agent:
        assert shown in invite, invite[-3000:]
    _, agent = await api.call("GET", "/api/v1/agents/fam1")
    assert agent["state"] == "call_inbound"
    status, pop = await api.call("GET", "/api/v1/agents/fam1/call")
    assert status == 200
    assert (pop["call_id"], pop["language"], pop["case_number"]) == (
        call.ivr_id,
        "en",
        "4567890123",
    )

    await callers.hang_up(call)
    await family.ended()
    await recorder.wait_for(call.ivr_id, "agent_call_completed")
    _, agent = await api.call("GET", "/api/v1/agents/fam1")
    assert agent["state"] == "ready"
    await service.writer.wait_idle()
    names = [
        r["name"]
        for r in await db.fetch(
            "SELECT name FROM call_events WHERE call_id = $1 ORDER BY at, id", call.ivr_id
        )
    ]
    for name in ("queued", "queue_joined", "agent_ringing", "agent_answered", "call_ended"):
        assert name in names, names
    states = await db.fetch(
        "SELECT state, ended_at - started_at AS lasted FROM agent_states "
        "WHERE agent_id = 'fam1' ORDER BY started_at, id"
    )
    assert [r["state"] for r in states] == ["ready", "call_inbound", "ready"]
    assert states[1]["lasted"].total_seconds() > 0


async def test_spanish_caller_goes_to_the_spanish_speaker_and_not_ready_is_skipped(
    phones: Callable[..., Any],
    api: Api,
    callers: Callers,
    recorder: EventRecorder,
    open_hours: ShiftedClock,
) -> None:
    await phones("fam-en", "3721", "family")
    spanish = await phones("fam-es", "3722", "family", languages=["en", "es"])
    await phones("fam-en2", "3723", "family")
    await api.call(
        "PUT", "/api/v1/agents/fam-en2/state", {"state": "not_ready", "reason": "Meeting"}
    )

    call = await callers.dial()
    await callers.line.press(call, "22*")  # Spanish, Family, no case number
    answered = await recorder.wait_for(call.ivr_id, "agent_answered", timeout=30)
    assert (answered.details["agent"], answered.details["queue"]) == ("fam-es", "family_es")
    await spanish.answered()
    ringing = {
        e.details["agent"] for e in recorder.events[call.ivr_id] if e.name == "agent_ringing"
    }
    assert "fam-en2" not in ringing
    await callers.hang_up(call)


async def test_ring_no_answer_sets_the_agent_not_ready(
    phones: Callable[..., Any],
    api: Api,
    callers: Callers,
    recorder: EventRecorder,
    open_hours: ShiftedClock,
) -> None:
    sleepy = await phones("ebd-rna", "3731", "ebd", handling=NO_ANSWER)
    call = await callers.dial()
    await callers.line.press(call, "11*")
    missed = await recorder.wait_for(call.ivr_id, "ring_no_answer", timeout=30)
    assert missed.details["agent"] == "ebd-rna"
    await sleepy.cancelled()
    _, agent = await api.call("GET", "/api/v1/agents/ebd-rna")
    assert (agent["state"], agent["reason"]) == ("not_ready", "Missed call")
    await callers.hang_up(call)


async def test_spanish_caller_falls_back_to_anyone_when_no_speaker_is_free(
    phones: Callable[..., Any],
    callers: Callers,
    recorder: EventRecorder,
    open_hours: ShiftedClock,
) -> None:
    english = await phones("ebd-en", "3741", "ebd")
    call = await callers.dial()
    await callers.line.press(call, "21*")  # Spanish, EBD: nobody speaks Spanish
    answered = await recorder.wait_for(call.ivr_id, "agent_answered", timeout=30)
    assert (answered.details["agent"], answered.details["queue"]) == ("ebd-en", "ebd")
    await english.answered()
    await callers.hang_up(call)
    await english.ended()


async def test_the_longest_idle_ready_agent_takes_the_next_caller(
    phones: Callable[..., Any],
    callers: Callers,
    recorder: EventRecorder,
    open_hours: ShiftedClock,
) -> None:
    team = {"ebd-i1": await phones("ebd-i1", "3751", "ebd")}
    team["ebd-i2"] = await phones("ebd-i2", "3752", "ebd")
    first = await callers.dial()
    await callers.line.press(first, "11*")
    answered = await recorder.wait_for(first.ivr_id, "agent_answered", timeout=30)
    took_it = answered.details["agent"]
    await team[took_it].answered()
    await callers.hang_up(first)
    await team[took_it].ended()
    await recorder.wait_for(first.ivr_id, "agent_call_completed")

    # Both are Ready again (no wrap-up in the test policy): the one who has waited longer
    # gets the next caller.
    waited_longer = ({"ebd-i1", "ebd-i2"} - {took_it}).pop()
    second = await callers.dial()
    await callers.line.press(second, "11*")
    answered = await recorder.wait_for(second.ivr_id, "agent_answered", timeout=30)
    assert answered.details["agent"] == waited_longer
    await team[waited_longer].answered()
    await callers.hang_up(second)
    await team[waited_longer].ended()


async def test_a_caller_who_gives_up_in_the_queue_is_recorded_as_abandoned(
    callers: Callers, recorder: EventRecorder, open_hours: ShiftedClock
) -> None:
    call = await callers.queued("10")  # English, then 0: nobody answers the operator queue
    await callers.hang_up(call)
    gave_up = await recorder.wait_for(call.ivr_id, "abandoned")
    assert gave_up.details["queue"] == "operator"
    assert gave_up.details["position"] == 1
    assert gave_up.details["wait_seconds"] >= 0
