"""Ending an abusive call on a real SIP call through the queue (a SIPp caller and a SIPp agent,
each with a Python RTP party for its audio): the caller hears the closing message, then the
line drops; the agent hears it too; the call's outcome is `ended_by_agent_abusive` and its
wrap-up asks for the abusive-call note. By the code on the agent's phone and by the API."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg

from ccc_telephony.app import Service
from ccc_telephony.devstack.stack import Stack
from ccc_telephony.store import tokens
from tests.integration.agents.conftest import Api
from tests.integration.support.audio import AudioCall, caller_with_agent
from tests.integration.support.clock import ShiftedClock
from tests.integration.support.live import live_feed
from tests.integration.support.recorder import EventRecorder
from tests.sipp import SipPhone
from tests.sipp.media import RtpParty, level

AGENT_HZ = 1400
# The closing message as the caller hears it: speech, well above a silent line's level.
SPEECH_LEVEL = 0.01


async def _closing_heard_then_dropped(call: AudioCall, since: float) -> None:
    """The caller hears speech that is not the agent (the message), then Asterisk's BYE."""
    assert await call.sip.ended() == "far"
    dropped = time.monotonic()
    speech = [
        n
        for n in range(int((dropped - since) / 0.2))
        if _is_message(call.caller_audio, since + n * 0.2, since + (n + 1) * 0.2)
    ]
    # The message lasts seconds; it all came before the line dropped.
    assert len(speech) * 0.2 >= 2.0, f"only {len(speech) * 0.2:.1f} s of the message heard"


def _is_message(audio: RtpParty, since: float, until: float) -> bool:
    """Audio other than the agent's tone (which the caller goes on hearing under it)."""
    return _besides_agent(audio, since, until) >= SPEECH_LEVEL


def _besides_agent(audio: RtpParty, since: float, until: float | None = None) -> float:
    samples = audio.heard(since=since, until=until)
    other = 1 - audio.share(AGENT_HZ, since=since, until=until)
    return level(samples) * max(0.0, other) ** 0.5


async def _outcome(service: Service, db: asyncpg.Connection, call_id: str) -> Any:
    await service.writer.wait_idle()
    return await db.fetchval("SELECT outcome FROM calls WHERE call_id = $1", call_id)


async def test_the_code_plays_the_closing_message_then_the_line_drops(
    phones: Callable[..., Awaitable[SipPhone]],
    stack: Stack,
    recorder: EventRecorder,
    service: Service,
    db: asyncpg.Connection,
    api: Api,
    open_hours: ShiftedClock,
    tmp_path: Path,
) -> None:
    async with caller_with_agent(
        phones, stack, recorder, tmp_path, agent=("aagent1", "3941")
    ) as call:
        since = time.monotonic()
        await call.agent.press("*90")
        ended = await recorder.wait_for(call.call_id, "ended_by_agent_abusive")
        assert (ended.details["agent"], ended.details["source"]) == ("aagent1", "code")
        await _closing_heard_then_dropped(call, since)
        # The agent heard it too (whisper both), over their own line.
        heard = call.agent_audio.heard(since=since)
        assert level(heard) >= SPEECH_LEVEL / 2
    await recorder.wait_for(call.call_id, "call_ended")
    assert await _outcome(service, db, call.call_id) == "ended_by_agent_abusive"
    status, reply = await api.call("GET", f"/api/v1/agents/aagent1/calls/{call.call_id}/wrapup")
    assert status == 200 and reply["abusive_note_required"] is True, reply
    body = {
        "disposition": "other",
        "first_contact_resolved": False,
        "interpreter_used": False,
    }
    path = f"/api/v1/agents/aagent1/calls/{call.call_id}/wrapup"
    status, reply = await api.call("PUT", path, body)
    assert status == 400 and "abusive_note" in reply["detail"], reply
    note = "Caller swore repeatedly after two warnings; ended the call."
    status, reply = await api.call("PUT", path, {**body, "abusive_note": note})
    assert status == 200 and reply["abusive_note_required"] is False, reply


async def test_the_api_ends_the_call_the_same_way(
    phones: Callable[..., Awaitable[SipPhone]],
    stack: Stack,
    recorder: EventRecorder,
    service: Service,
    db: asyncpg.Connection,
    api: Api,
    open_hours: ShiftedClock,
    tmp_path: Path,
) -> None:
    async with caller_with_agent(
        phones, stack, recorder, tmp_path, agent=("aagent2", "3942")
    ) as call:
        mine = (await tokens.issue(service.engine, "aagent2")).token
        base = f"http://127.0.0.1:{service.settings.http_port}"
        async with live_feed(base, mine) as screen:
            since = time.monotonic()
            status, reply = await api.call(
                "POST", "/api/v1/agents/aagent2/call/abusive-end", token=mine
            )
            assert status == 202 and reply["call_id"] == call.call_id, reply
            asked = await screen.next_of("wrapup_requested")  # the agent is asked to document it
            assert (asked["call_id"], asked["abusive_note_required"]) == (call.call_id, True)
        await _closing_heard_then_dropped(call, since)
    await recorder.wait_for(call.call_id, "call_ended")
    assert await _outcome(service, db, call.call_id) == "ended_by_agent_abusive"
    status, reply = await api.call("POST", "/api/v1/agents/aagent2/call/abusive-end")
    assert status == 409, reply  # no caller now
