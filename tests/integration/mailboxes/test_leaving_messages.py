"""Callers at staff mailboxes over real SIP: the greeting is heard, the message is stored as a
WAV in the message book, and the agent's phone is told (NOTIFY); an away greeting's `#`
reaches the team's queue; a departed agent's mailbox still answers, for the supervisor."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg

from ccc_telephony.app import Service
from ccc_telephony.asterisk import recordings
from ccc_telephony.devstack.stack import Stack
from tests.integration.agents.conftest import Api
from tests.integration.support.callers import CallerLine
from tests.integration.support.clock import Moments, ShiftedClock
from tests.integration.support.ports import free_udp_port, media_port
from tests.integration.support.recorder import EventRecorder, wait_for_call_started
from tests.integration.support.steps import Callers
from tests.sipp import OutgoingCall, trunk_call
from tests.sipp.media import RtpParty

SPEAKING_SECONDS = 2  # how long each caller speaks their message (a tone)


@asynccontextmanager
async def caller_at(
    stack: Stack, recorder: EventRecorder, workdir: Path, number: str, name: str
) -> AsyncIterator[tuple[OutgoingCall, str]]:
    """A caller on the trunk dials `number`, sounding a 600 Hz tone; yields the SIP call and
    the service's call id once the service has the call."""
    async with RtpParty(tone_hz=600, port=media_port()) as audio:
        call = trunk_call(
            target=f"127.0.0.1:{stack.inst.ports.sip}",
            number=number,
            workdir=workdir,
            local_port=free_udp_port(),
            media_port=free_udp_port(even=True),
            name=name,
            rtp_port=audio.port,
        )
        async with call:
            audio.send_to(await call.media(await call.answered()))
            yield call, await wait_for_call_started(recorder, name)


async def leave_message(call: OutgoingCall, recorder: EventRecorder, call_id: str) -> Any:
    """After the greeting, the caller speaks and presses # to end; the message as left."""
    greeting = await recorder.wait_for(call_id, "mailbox_greeting_played", timeout=30)
    await asyncio.sleep(SPEAKING_SECONDS)  # the caller speaking: their message's length
    await call.press("#")
    left = await recorder.wait_for(call_id, "mailbox_message_left", timeout=20)
    assert await call.ended() == "far"  # thanked, then hung up on by the service
    return greeting, left


async def test_a_caller_leaves_a_message_and_the_agents_phone_is_told(
    service: Service,
    stack: Stack,
    phones: Callable[..., Any],
    recorder: EventRecorder,
    db: asyncpg.Connection,
    open_hours: ShiftedClock,
    tmp_path: Path,
) -> None:
    phone = await phones("mb1", "3871", "ebd", log_in=False)
    async with caller_at(stack, recorder, tmp_path, "83871", "Caller of mb1") as (call, call_id):
        greeting, left = await leave_message(call, recorder, call_id)
    assert greeting.details.pop("recording").startswith("mailbox-spoken-")
    assert greeting.details == {
        "mailbox": "mb1",
        "greeting": "in_office",
        "source": "spoken",  # nothing recorded yet: the policy's text, never silence
        "hash_pressed": False,
    }
    summary = await phone.message_waiting(True, new=1)
    assert summary.old == 0
    row = await db.fetchrow("SELECT * FROM messages WHERE id = $1", left.details["message_id"])
    assert row is not None
    assert (row["source"], row["mailbox"], row["owner"], row["state"]) == (
        "mailbox",
        "mb1",
        "mb1",
        "new",
    )
    assert row["caller_number"] == "6085551234" and row["queue"] == "ebd"
    wav = service.settings.asterisk_recordings_dir / f"{row['recording']}.wav"
    audio = recordings.inspect(wav)
    assert audio.has_message and audio.seconds >= SPEAKING_SECONDS - 0.5
    # due the same workday: by the end of the agent's (default) shift
    due = row["due_at"].astimezone(service.policy.zone)
    assert due.date() == open_hours().astimezone(service.policy.zone).date()
    assert (due.hour, due.minute) == (16, 30)
    ended = await recorder.wait_for(call_id, "call_ended")
    assert ended.details["outcome"] == "mailbox_message"

    await service.messages.mark(row["id"], who="mb1", action="returned", state="returned")
    await phone.message_waiting(False)


async def test_an_away_greeting_offers_pound_to_reach_the_team_now(
    service: Service,
    stack: Stack,
    api: Api,
    phones: Callable[..., Any],
    recorder: EventRecorder,
    line: CallerLine,
    open_hours: ShiftedClock,
    tmp_path: Path,
) -> None:
    await phones("mb2", "3872", "family", log_in=False)
    until = open_hours() + timedelta(days=2)
    status, body = await api.call("PUT", "/api/v1/mailboxes/mb2/away", {"until": until.isoformat()})
    assert status == 200 and body["away"] is True, body
    async with caller_at(stack, recorder, tmp_path, "83872", "Caller of mb2") as (call, call_id):
        reached = await recorder.wait_for(call_id, "mailbox_reached")
        assert reached.details["greeting"] == "away"
        await call.press("#")
        queued = await recorder.wait_for(call_id, "queued")
        assert queued.details["queue"] == "family"
        channel = await line.wait_in_app(call_id, "Queue")
        assert channel["dialplan"]["exten"] == "family"
    played = recorder.first(call_id, "mailbox_greeting_played")
    assert played.details["hash_pressed"] is True and played.details["greeting"] == "away"


async def test_a_departed_agents_mailbox_answers_for_the_supervisor(
    service: Service,
    stack: Stack,
    api: Api,
    phones: Callable[..., Any],
    recorder: EventRecorder,
    db: asyncpg.Connection,
    open_hours: ShiftedClock,
    tmp_path: Path,
) -> None:
    await phones("sup3", "3873", "ebd", role="supervisor", log_in=False)
    await phones("mb3", "3874", "ebd", supervisor="sup3", log_in=False)
    status, _ = await api.call("DELETE", "/api/v1/agents/mb3")
    assert status in (200, 204)
    async with caller_at(stack, recorder, tmp_path, "83874", "Caller of mb3") as (call, call_id):
        greeting, left = await leave_message(call, recorder, call_id)
    assert (greeting.details["greeting"], greeting.details["source"]) == ("departed", "spoken")
    assert left.details["owner"] == "sup3"
    owner = await db.fetchval(
        "SELECT owner FROM messages WHERE id = $1", left.details["message_id"]
    )
    assert owner == "sup3"


async def test_after_hours_the_ivr_reaches_a_staff_mailbox_by_extension(
    service: Service,
    phones: Callable[..., Any],
    line: CallerLine,
    callers: Callers,
    recorder: EventRecorder,
    db: asyncpg.Connection,
    clock: ShiftedClock,
    moments: Moments,
) -> None:
    await phones("mb4", "3875", "family", log_in=False)
    clock.set(moments.night)
    call = await callers.dial()
    await line.press(call, "2")  # Spanish
    await recorder.wait_for(call.ivr_id, "after_hours")
    await line.press(call, "8" + "3875#")
    requested = await recorder.wait_for(call.ivr_id, "mailbox_requested", timeout=30)
    assert requested.details == {"extension": "3875"}
    reached = await recorder.wait_for(call.ivr_id, "mailbox_greeting_played", timeout=30)
    assert reached.details["greeting"] == "in_office"
    await line.say(call)
    await line.press(call, "#")
    left = await recorder.wait_for(call.ivr_id, "mailbox_message_left")
    row = await db.fetchrow("SELECT * FROM messages WHERE id = $1", left.details["message_id"])
    assert row is not None and (row["mailbox"], row["language"]) == ("mb4", "es")
    ended = await recorder.wait_for(call.ivr_id, "call_ended")
    assert ended.details["outcome"] == "mailbox_message"
