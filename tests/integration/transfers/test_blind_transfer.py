"""Blind transfers by SIP REFER from a real agent phone (SIPp) while the caller is bridged by
app_queue: to another queue (advisory heard, waiting ahead of new callers, the case number on
the next agent's phone), to another consortium's number in every form a phone can write it
(blocked: the caller hears that consortium's number and is back with the agent), and to a
logged-out agent (refused, the caller back with the agent)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest

from ccc_telephony.app import Service
from ccc_telephony.devstack.stack import Stack
from tests.integration.support.clock import ShiftedClock
from tests.integration.support.ports import free_udp_port
from tests.integration.support.recorder import EventRecorder
from tests.integration.support.steps import Callers
from tests.sipp import CallHandling, Carrier

TRANSFERS = CallHandling(transfers=True)
ASTERISK = "127.0.0.1"


async def test_a_caller_transferred_to_another_queue_hears_the_advisory_and_waits_ahead(
    phones: Callable[..., Any],
    callers: Callers,
    recorder: EventRecorder,
    db: asyncpg.Connection,
    service: Service,
    sip_port: int,
    open_hours: ShiftedClock,
) -> None:
    ebd = await phones("xebd1", "3801", "ebd", handling=TRANSFERS)
    call = await callers.with_agent("11" + "4567890123#", ebd)

    await ebd.transfer(f"<sip:7002@{ASTERISK}:{sip_port}>")  # Family's extension
    await ebd.hang_up()  # as a phone does once its transfer went ahead
    completed = await recorder.wait_for(call.ivr_id, "transfer_completed")
    assert (completed.details["from_agent"], completed.details["target"]) == ("xebd1", "family")
    assert completed.details["kind"] == "blind"
    requested = recorder.first(call.ivr_id, "transfer_requested")
    assert requested.details["destination"] == "queue"
    channel = await callers.line.wait_in_app(call.ivr_id, "Queue")
    assert channel["dialplan"]["exten"] == "family"
    assert await callers.line.variable(call.ivr_id, "QUEUE_PRIO") == "10"

    # A new caller arrives after; the transferred one is answered first.
    later = await callers.dial()
    await callers.line.press(later, "12" + "5678901234#")
    await callers.line.wait_in_app(later.ivr_id, "Queue")
    family = await phones("xfam1", "3802", "family")
    await recorder.wait_until(call.ivr_id, lambda names: names.count("agent_answered") == 2, 30)
    answered = [e for e in recorder.events[call.ivr_id] if e.name == "agent_answered"][-1]
    assert answered.details["agent"] == "xfam1"
    assert "agent_answered" not in recorder.names(later.ivr_id)  # the later caller still waits
    await family.answered()
    invite = await asyncio.to_thread((family.files / "msg.log").read_text, errors="replace")
    assert "X-CCC-Case: 4567890123" in invite and f"X-CCC-Call-Id: {call.ivr_id}" in invite
    await callers.hang_up(call)
    await callers.hang_up(later)


@pytest.mark.parametrize(
    "written",
    # Through a real REFER, the forms whose user part Asterisk hands over differently; every
    # other form is in tests/unit/transfers/test_destinations.py.
    # (the outside-line prefix is dialled in the attended test)
    ["+1-888-555-0102", "%2B1%20888%20555%200102"],
)
async def test_a_transfer_to_another_consortium_is_blocked_in_every_form(
    phones: Callable[..., Any],
    callers: Callers,
    recorder: EventRecorder,
    service: Service,
    sip_port: int,
    written: str,
    open_hours: ShiftedClock,
) -> None:
    """8885550102 is Bay Lake Consortium's number (the shipped directory)."""
    agent = await phones("xebd2", "3803", "ebd", handling=TRANSFERS)
    call = await callers.with_agent("11" + "4567890123#", agent)
    await callers.line.listen(call)

    await agent.transfer(f"<sip:{written}@{ASTERISK}:{sip_port};user=phone>")
    await agent.hang_up()
    blocked = await recorder.wait_for(call.ivr_id, "transfer_blocked")
    assert blocked.details["consortium"] == "bay_lake"
    assert blocked.details["target"] == "8885550102"
    assert blocked.details["path"] == "blind"
    # The caller hears the consortium's name and number, then is back with the same agent.
    played = await callers.line.wait_played(call, "/back_to_worker")
    told = [uri.rsplit("/", 1)[-1] for uri in played]
    digits = [f"digit_{d}" for d in "8885550102"]
    start = told.index("other_consortium")
    assert told[start : start + 3 + len(digits)] == [
        "other_consortium",
        "consortium_bay_lake",
        "phone_number_is",
        *digits,
    ]
    assert "transfer_completed" not in recorder.names(call.ivr_id)
    await agent.answered(count=2, timeout=30)
    assert len(agent.state.talking) == 1
    await callers.hang_up(call)


async def test_a_transfer_to_a_logged_out_agent_gives_the_caller_back(
    phones: Callable[..., Any],
    callers: Callers,
    recorder: EventRecorder,
    service: Service,
    sip_port: int,
    open_hours: ShiftedClock,
) -> None:
    agent = await phones("xebd3", "3804", "ebd", handling=TRANSFERS)
    await phones("xaway", "3805", "family", log_in=False)
    call = await callers.with_agent("11" + "4567890123#", agent)

    await agent.transfer(f"<sip:3805@{ASTERISK}:{sip_port}>")
    await agent.hang_up()
    failed = await recorder.wait_for(call.ivr_id, "transfer_failed")
    assert (failed.details["reason"], failed.details["target"]) == ("agent_logged_out", "xaway")
    await agent.answered(count=2, timeout=30)
    await callers.hang_up(call)


async def test_outside_numbers_follow_the_admins_allow_list(
    phones: Callable[..., Any],
    callers: Callers,
    recorder: EventRecorder,
    service: Service,
    stack: Stack,
    sip_port: int,
    admin_token: str,
    tmp_path: Path,
    open_hours: ShiftedClock,
) -> None:
    """Denied by default (the agent has the caller again); allowed once an admin lists it,
    dialled out through the carrier trunk in the one form the service dials."""
    agent = await phones("xebd4", "3806", "ebd", handling=TRANSFERS)
    call = await callers.with_agent("11" + "4567890123#", agent)
    await agent.transfer(f"<sip:+1-608-555-0177@{ASTERISK}:{sip_port};user=phone>")
    await agent.hang_up()
    failed = await recorder.wait_for(call.ivr_id, "transfer_failed")
    assert (failed.details["reason"], failed.details["target"]) == ("not_allowed", "6085550177")
    await agent.answered(count=2, timeout=30)

    base = f"http://127.0.0.1:{service.settings.http_port}/api/v1/directory/allowed"
    headers = {"Authorization": f"Bearer {admin_token}"}
    async with aiohttp.ClientSession(headers=headers) as http:
        body = {"number": "608-555-0177", "label": "Legal aid"}
        async with http.post(base, json=body) as reply:
            assert reply.status == 201, await reply.text()
        try:
            carrier = Carrier(
                asterisk=f"{ASTERISK}:{sip_port}",
                local_port=stack.inst.ports.carrier,
                media_port=free_udp_port(even=True),
                workdir=tmp_path,
            )
            async with carrier:
                await agent.transfer(f"<sip:6085550177@{ASTERISK}:{sip_port}>")
                await agent.hang_up()
                await recorder.wait_until(
                    call.ivr_id, lambda names: "transfer_completed" in names, 30
                )
                completed = recorder.first(call.ivr_id, "transfer_completed")
                assert completed.details["target"] == "6085550177"
                await carrier.answered()
                invite = await asyncio.to_thread(
                    (carrier.files / "msg.log").read_text, errors="replace"
                )
                assert "INVITE sip:+16085550177@" in invite
                await callers.hang_up(call)
        finally:
            async with http.delete(f"{base}/6085550177") as reply:
                assert reply.status == 200, await reply.text()
