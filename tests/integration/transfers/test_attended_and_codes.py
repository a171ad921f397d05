"""Transfers from a real agent phone (SIPp) beyond the blind REFER: feature codes keyed during
the call, and the consultation call of an attended transfer (the agent holds the caller and
dials): to the Help line's lead (answered, then joined by REFER with Replaces; or no lead, and
the caller is back with the agent), at the Help line's hours, and to another consortium's
number (refused, the agent hears that consortium's name and number)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import aiohttp
import asyncpg

from ccc_telephony.app import Service
from tests.integration.support.clock import Moments, ShiftedClock
from tests.integration.support.ports import free_udp_port
from tests.integration.support.recorder import EventRecorder
from tests.integration.support.steps import Callers
from tests.sipp import CallHandling, SipPhone

TRANSFERS = CallHandling(transfers=True)
ASTERISK = "127.0.0.1"
HELP_LINE = "7003"


def _dial(phone: SipPhone, number: str) -> Any:
    return phone.dial(number, local_port=free_udp_port(), media_port=free_udp_port(even=True))


async def test_a_feature_code_sends_the_caller_to_another_queue(
    phones: Callable[..., Any],
    callers: Callers,
    recorder: EventRecorder,
    service: Service,
    open_hours: ShiftedClock,
) -> None:
    agent = await phones("cebd1", "3821", "ebd", handling=TRANSFERS)
    call = await callers.with_agent("11" + "4567890123#", agent)
    await agent.press("*82")  # Family
    completed = await recorder.wait_for(call.ivr_id, "transfer_completed")
    assert (completed.details["kind"], completed.details["target"]) == ("code", "family")
    assert completed.details["from_agent"] == "cebd1"
    channel = await callers.line.wait_in_app(call.ivr_id, "Queue")
    assert channel["dialplan"]["exten"] == "family"
    await callers.hang_up(call)


async def test_escalation_to_the_help_lead_who_answers_then_takes_the_caller(
    phones: Callable[..., Any],
    callers: Callers,
    recorder: EventRecorder,
    db: asyncpg.Connection,
    service: Service,
    sip_port: int,
    open_hours: ShiftedClock,
) -> None:
    lead = await phones("clead", "3822", "family", role="lead", hq_shift="am")
    agent = await phones("cebd2", "3823", "ebd", handling=TRANSFERS)
    call = await callers.with_agent("11" + "4567890123#", agent)

    async with _dial(agent, HELP_LINE) as consult:
        escalated = await recorder.wait_for(call.ivr_id, "escalated")
        assert (escalated.details["agent"], escalated.details["reason"]) == (
            "cebd2",
            "caller_request",
        )
        answered = await recorder.wait_for(call.ivr_id, "escalation_answered", timeout=30)
        assert answered.details["lead"] == "clead"
        await lead.answered()
        replaces = quote(await consult.replaces(), safe="")
        await agent.transfer(f"<sip:{HELP_LINE}@{ASTERISK}:{sip_port}?Replaces={replaces}>")
        completed = await recorder.wait_for(call.ivr_id, "transfer_completed", timeout=30)
        assert (completed.details["kind"], completed.details["target"]) == ("attended", "clead")
        assert await consult.ended() == "far"  # Asterisk took the consultation leg down
    await service.writer.wait_idle()
    row = await db.fetchrow(
        "SELECT agent_id, lead_id, status FROM escalation_followups WHERE call_id = $1",
        call.ivr_id,
    )
    assert row is not None and (row["agent_id"], row["lead_id"], row["status"]) == (
        "cebd2",
        "clead",
        "open",
    )
    await callers.hang_up(call)


async def test_no_lead_answers_and_the_caller_is_back_with_the_agent(
    phones: Callable[..., Any],
    callers: Callers,
    recorder: EventRecorder,
    service: Service,
    open_hours: ShiftedClock,
) -> None:
    agent = await phones("cebd3", "3824", "ebd", handling=TRANSFERS)
    call = await callers.with_agent("11" + "4567890123#", agent)
    async with _dial(agent, HELP_LINE):
        await recorder.wait_for(call.ivr_id, "escalated")
    returned = await recorder.wait_for(call.ivr_id, "escalation_returned", timeout=20)
    assert returned.details["why"] == "no_lead_answered"
    assert len(agent.state.talking) == 1  # still with the caller
    await callers.hang_up(call)


async def test_the_help_line_takes_escalated_callers_only_after_four(
    phones: Callable[..., Any],
    callers: Callers,
    recorder: EventRecorder,
    service: Service,
    clock: ShiftedClock,
    moments: Moments,
) -> None:
    """16:10: a staff question is refused; 16:31: an escalation is refused too."""
    agent = await phones("cebd4", "3825", "ebd", handling=TRANSFERS)
    clock.set(moments.open.replace(hour=16, minute=10))
    async with _dial(agent, HELP_LINE) as question:
        assert await question.ended() == "far"
    clock.set(moments.open.replace(hour=16, minute=31) - timedelta(minutes=20))
    call = await callers.with_agent("11" + "4567890123#", agent)
    clock.set(moments.open.replace(hour=16, minute=31))
    async with _dial(agent, HELP_LINE) as escalation:
        assert await escalation.ended() == "far"
    failed = await recorder.wait_for(call.ivr_id, "transfer_failed")
    assert (failed.details["reason"], failed.details["kind"]) == ("help_line_closed", "attended")
    await callers.hang_up(call)


async def test_a_consultation_to_another_consortium_is_refused(
    phones: Callable[..., Any],
    callers: Callers,
    recorder: EventRecorder,
    service: Service,
    open_hours: ShiftedClock,
) -> None:
    agent = await phones("cebd5", "3826", "ebd", handling=TRANSFERS)
    call = await callers.with_agent("11" + "4567890123#", agent)
    async with _dial(agent, "9 1 888 555 0102".replace(" ", "")) as consult:
        assert await consult.ended() == "far"
    blocked = await recorder.wait_for(call.ivr_id, "transfer_blocked")
    assert (blocked.details["consortium"], blocked.details["path"]) == ("bay_lake", "attended")
    # The caller, on hold, was told that consortium's number (whispered over the music).
    told = await recorder.wait_for(call.ivr_id, "caller_told_number", timeout=30)
    assert told.details["consortium"] == "bay_lake"
    assert "transfer_completed" not in recorder.names(call.ivr_id)
    assert len(agent.state.talking) == 1
    await callers.hang_up(call)


async def test_a_lead_sends_the_caller_on_to_their_own_supervisor(
    phones: Callable[..., Any],
    callers: Callers,
    recorder: EventRecorder,
    service: Service,
    sip_port: int,
    open_hours: ShiftedClock,
) -> None:
    """The caller escalated to the Help queue (blind, *83) reaches the lead; the lead keys
    *852: on to the lead's own supervisor, recorded as an escalation with that reason."""
    boss = await phones("cboss", "3831", "family", role="supervisor")
    lead = await phones(
        "clead2",
        "3832",
        "family",
        role="lead",
        hq_shift="am",
        supervisor="cboss",
        handling=TRANSFERS,
    )
    agent = await phones("cebd6", "3833", "ebd", handling=TRANSFERS)
    call = await callers.with_agent("11" + "4567890123#", agent)
    await agent.press("*83")  # the Help queue
    await recorder.wait_until(call.ivr_id, lambda names: names.count("agent_answered") == 2, 30)
    await lead.answered()
    await lead.press("*852")
    await recorder.wait_until(call.ivr_id, lambda names: names.count("escalated") == 2, 30)
    onward = [e for e in recorder.events[call.ivr_id] if e.name == "escalated"][-1]
    assert (onward.details["reason"], onward.details["target"]) == ("supervisor", "cboss")
    await boss.answered()
    await callers.hang_up(call)


async def test_a_transfer_to_a_logged_in_colleague_rings_their_phone(
    phones: Callable[..., Any],
    callers: Callers,
    recorder: EventRecorder,
    service: Service,
    sip_port: int,
    open_hours: ShiftedClock,
) -> None:
    colleague = await phones("cfam7", "3834", "family", log_in=False)
    await service.agents.agents.log_in("cfam7", source="api", by="test")
    await service.agents.agents.not_ready("cfam7", "Meeting", source="api", by="test")
    agent = await phones("cebd7", "3835", "ebd", handling=TRANSFERS)
    call = await callers.with_agent("11" + "4567890123#", agent)
    await agent.transfer(f"<sip:3834@{ASTERISK}:{sip_port}>")
    await agent.hang_up()
    completed = await recorder.wait_for(call.ivr_id, "transfer_completed")
    assert completed.details["target"] == "cfam7"
    await colleague.answered()
    await callers.hang_up(call)


async def test_the_screen_transfers_and_escalates_the_agents_call(
    phones: Callable[..., Any],
    callers: Callers,
    recorder: EventRecorder,
    service: Service,
    admin_token: str,
    open_hours: ShiftedClock,
) -> None:
    """The API acts on the call the agent is on: an agent's own token only for their call."""
    agent = await phones("cebd8", "3836", "ebd", handling=TRANSFERS)
    await phones("cfam8", "3837", "family", log_in=False)
    call = await callers.with_agent("11" + "4567890123#", agent)
    base = f"http://127.0.0.1:{service.settings.http_port}/api/v1/agents"
    headers = {"Authorization": f"Bearer {admin_token}"}
    async with aiohttp.ClientSession(headers=headers) as http:
        async with http.post(f"{base}/cfam8/call/transfer", json={"to": "7002"}) as reply:
            assert reply.status == 409  # cfam8 has no caller
        async with http.post(f"{base}/cebd8/call/transfer", json={"to": "x;y"}) as reply:
            assert reply.status == 400
        async with http.post(f"{base}/cebd8/call/escalate", json={"to": "help_lead"}) as reply:
            assert reply.status == 202, await reply.text()
    escalated = await recorder.wait_for(call.ivr_id, "escalated")
    assert (escalated.details["reason"], escalated.details["target"]) == (
        "worker_requested",
        "help",
    )
    completed = await recorder.wait_for(call.ivr_id, "transfer_completed")
    assert completed.details["kind"] == "api"
    await callers.hang_up(call)
