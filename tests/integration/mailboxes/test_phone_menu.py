"""*97 on an agent's real SIP phone: the in-office greeting recorded by phone is what the next
caller hears; the agent hears their messages (oldest new first: each a `listened` action, and
heard) and calls back the oldest unreturned one through the carrier. The direct numbers are
exactly the prefix and an extension: a ten-digit number starting with 8 is dialled, vetted.

Each step is awaited as the call event the service publishes while the prompt plays (as the
*77 prompt-recording tests do); the agent's phone "speaks" a tone (a real RTP stream).
"""

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
from tests.integration.mailboxes.test_leaving_messages import caller_at
from tests.integration.returns.test_returning_messages import a_message
from tests.integration.support.clock import ShiftedClock
from tests.integration.support.live import live_feed
from tests.integration.support.ports import free_udp_port, media_port
from tests.integration.support.recorder import EventRecorder, event_where
from tests.sipp import OutgoingCall, SipPhone
from tests.sipp.media import RtpParty

MENU = "*97"
IN_OFFICE, HEAR, RETURN_OLDEST = "1", "5", "6"
KEEP, NEXT = "1", "2"
SPEAKING_SECONDS = 2  # how long the agent speaks their greeting (a tone)


def playing_at_least(count: int) -> Callable[[list[str]], bool]:
    return lambda names: names.count("mailbox_message_playing") >= count


@asynccontextmanager
async def menu_of(phone: SipPhone) -> AsyncIterator[OutgoingCall]:
    """The agent dials *97 from their own phone, sounding a 500 Hz tone."""
    async with RtpParty(tone_hz=500, port=media_port()) as audio:
        call = phone.dial(
            MENU,
            local_port=free_udp_port(),
            media_port=free_udp_port(even=True),
            rtp_port=audio.port,
        )
        async with call:
            audio.send_to(await call.media(await call.answered()))
            yield call


async def test_the_greeting_recorded_by_phone_is_what_the_next_caller_hears(
    service: Service,
    stack: Stack,
    phones: Callable[..., Any],
    recorder: EventRecorder,
    db: asyncpg.Connection,
    open_hours: ShiftedClock,
    tmp_path: Path,
) -> None:
    phone = await phones("mp1", "3891", "ebd", log_in=False)
    async with menu_of(phone) as call:
        started = await event_where(recorder, "mailbox_menu_started", mailbox="mp1")
        menu_id = started.call_id
        await call.press(IN_OFFICE)
        take = await recorder.wait_for(menu_id, "mailbox_greeting_recording")
        assert take.details == {"mailbox": "mp1", "kind": "in_office", "take": 1}
        await asyncio.sleep(SPEAKING_SECONDS)  # the agent speaking: the greeting's length
        await call.press("#")
        review = await recorder.wait_for(menu_id, "mailbox_greeting_review")
        assert review.details["seconds"] >= 1
        await call.press(KEEP)
        saved = await recorder.wait_for(menu_id, "mailbox_greeting_saved")
        ended = await recorder.wait_for(menu_id, "mailbox_menu_ended")
        assert ended.details["outcome"] == "greeting_saved"
        assert await call.ended() == "far"
    recording = saved.details["recording"]
    wav = service.settings.asterisk_recordings_dir / f"{recording}.wav"
    assert recordings.inspect(wav).has_message
    access = await db.fetchrow(
        "SELECT who, action FROM mailbox_access WHERE mailbox = 'mp1' ORDER BY id DESC LIMIT 1"
    )
    assert access is not None and (access["who"], access["action"]) == (
        "mp1 (phone)",
        "greeting_recorded",
    )

    async with caller_at(stack, recorder, tmp_path, "83891", "Caller of mp1") as (_, call_id):
        played = await recorder.wait_for(call_id, "mailbox_greeting_played", timeout=30)
    assert played.details["greeting"] == "in_office"
    assert (played.details["source"], played.details["recording"]) == ("recorded", recording)
    assert "mailbox_greeting_played" not in recorder.names(menu_id)


async def test_the_agent_hears_their_messages_then_calls_back_the_oldest(
    service: Service,
    phones: Callable[..., Any],
    carrier: Callable[..., Any],
    token_for: Callable[..., Any],
    api: Api,
    recorder: EventRecorder,
    db: asyncpg.Connection,
    open_hours: ShiftedClock,
) -> None:
    phone = await phones("mp2", "3892", "ebd", log_in=False)
    older = await a_message(service, "mp2", "6085550151", open_hours() - timedelta(hours=1))
    newer = await a_message(service, "mp2", "6085550152", open_hours())
    await service.messages.mark(newer.id, who="mp2", action="heard", state="heard")
    anonymous = await a_message(service, "mp2", "", open_hours() - timedelta(hours=2))

    async with menu_of(phone) as call:
        started = await event_where(recorder, "mailbox_menu_started", mailbox="mp2")
        menu_id = started.call_id
        await call.press(HEAR)
        first = await recorder.wait_for(menu_id, "mailbox_message_playing")
        # new ones first, oldest first; then the heard one
        assert (first.details["message_id"], first.details["state"]) == (anonymous.id, "new")
        for count in (2, 3):
            await call.press(NEXT)
            await recorder.wait_until(menu_id, playing_at_least(count))
        await call.press(NEXT)
        ended = await recorder.wait_for(menu_id, "mailbox_menu_ended")
        assert ended.details["outcome"] == "heard"
        assert await call.ended() == "far"
    playing = [e for e in recorder.events[menu_id] if e.name == "mailbox_message_playing"]
    assert [e.details["message_id"] for e in playing] == [anonymous.id, older.id, newer.id]
    for row in (anonymous, older, newer):
        assert await db.fetchval("SELECT state FROM messages WHERE id = $1", row.id) == "heard"
        who = await db.fetch(
            "SELECT who FROM message_actions WHERE message_id = $1 AND action = 'listened'",
            row.id,
        )
        assert [r["who"] for r in who] == ["mp2 (phone)"]

    # 6: the oldest unreturned message whose caller can be called back (not the anonymous)
    outside = await carrier()
    async with live_feed(api.base, await token_for("mp2")) as live:
        async with menu_of(phone) as call:
            again = await event_where(
                recorder, "mailbox_menu_started", besides={menu_id}, mailbox="mp2"
            )
            await call.press(RETURN_OLDEST)
            requested = await recorder.wait_for(again.call_id, "mailbox_return_requested")
            assert requested.details["message_id"] == older.id
            await call.hang_up()  # as told, during the prompt: the call back still comes
        started_return = await recorder.wait_for(again.call_id, "mailbox_return_started")
        assert started_return.details["message_id"] == older.id
        await phone.answered()  # then the agent's own phone rings
        await outside.answered()  # and the caller, through the carrier
        attempt = await live.next_of("message_return_attempt", timeout=30)
    await outside.hang_up()
    assert (attempt["id"], attempt["result"]) == (older.id, "answered")
    actions = await db.fetch(
        "SELECT who, action FROM message_actions WHERE message_id = $1 ORDER BY at, id", older.id
    )
    assert [(r["who"], r["action"]) for r in actions][-3:] == [
        ("mp2 (phone)", "return_started"),
        ("mp2", "attempt"),
        ("mp2", "returned"),
    ]
