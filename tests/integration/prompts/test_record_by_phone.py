"""An admin records a prompt by phone (*77 from the admin context) on the real Asterisk.

The admin is a Local channel into *77@ccc-admin, the context of the admin SIP endpoint: its ;2
half runs the dialplan into our app, our test's ;1 half presses keys and "speaks" (plays a core
sound the recording hears). Each step is awaited as the call event the service publishes.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from ccc_telephony.app import Service
from ccc_telephony.asterisk.ari import AriError
from ccc_telephony.prompts.errors import PromptError
from tests.integration.support.callers import CallerLine, PlacedCall
from tests.integration.support.recorder import EventRecorder

RECORD_PROMPT = "*77"
ADMIN_CONTEXT = "ccc-admin"
HMONG, GREETING, LANGUAGE_MENU = "3", "1", "2"  # keys: Hmong; prompts 1 and 2 of the policy
KEEP, AGAIN, CANCEL = "1", "2", "3"


@pytest.fixture
async def clean_hmong(service: Service) -> AsyncIterator[None]:
    """Hmong recordings made by a test are removed after it, so later tests (and runs) hear
    the generated sounds again."""
    yield
    for name in ("greeting", "language_menu"):
        with contextlib.suppress(PromptError):
            await asyncio.to_thread(service.prompts.remove_recording, name, "hmn")


async def admin_dials(line: CallerLine, recorder: EventRecorder) -> PlacedCall:
    call = await line.call(RECORD_PROMPT, context=ADMIN_CONTEXT, caller_id='"Prompt Admin" <1001>')
    await recorder.wait_for(call.ivr_id, "prompt_session_started")
    return call


async def speak_a_take(line: CallerLine, recorder: EventRecorder, call: PlacedCall) -> None:
    """Wait for the tone (the take has started), speak about 3 s, end the take with #."""
    await line.say(call)
    await line.press(call, "#")


async def test_admin_records_the_hmong_language_menu_line_by_phone(
    service: Service,
    line: CallerLine,
    recorder: EventRecorder,
    db: asyncpg.Connection,
    clean_hmong: None,
) -> None:
    settings = service.settings
    generated = settings.generated_sounds_dir / "hmn" / "language_menu.wav"
    assert service.prompts.sources()[("hmn", "language_menu")] == "generated"

    call = await admin_dials(line, recorder)
    await line.press(call, HMONG + LANGUAGE_MENU + "#")
    started = await recorder.wait_for(call.ivr_id, "prompt_recording_started", timeout=30)
    assert started.details == {"language": "hmn", "prompt": "language_menu", "take": 1}
    await speak_a_take(line, recorder, call)
    review = await recorder.wait_for(call.ivr_id, "prompt_recording_review")
    assert review.details["duration_seconds"] >= 1
    await line.press(call, KEEP)

    recorded = await recorder.wait_for(call.ivr_id, "prompt_recorded", timeout=30)
    assert recorded.details == {
        "language": "hmn",
        "prompt": "language_menu",
        "duration_seconds": review.details["duration_seconds"],
        "caller_number": "1001",
        "caller_name": "Prompt Admin",
        "endpoint": f"Local/{RECORD_PROMPT}@{ADMIN_CONTEXT}",
    }
    ended = await recorder.wait_for(call.ivr_id, "prompt_session_ended", timeout=30)
    assert ended.details == {"outcome": "saved"}

    # The recording is in place and wins over the generated sound from the next call on:
    # the folder Asterisk plays from holds the recording, under the same media URI.
    stored = settings.data_dir / "prompts" / "hmn" / "language_menu.wav"
    published = settings.sounds_dir / "hmn" / "language_menu.wav"
    assert stored.is_file()
    assert service.prompts.sources()[("hmn", "language_menu")] == "recorded"
    assert published.read_bytes() == stored.read_bytes() != generated.read_bytes()
    assert service.prompts.media("language_menu", "hmn") == (
        f"sound:{settings.sounds_dir_for_asterisk}/hmn/language_menu"
    )
    # The take itself was removed from Asterisk's spool once copied.
    assert not list(settings.asterisk_recordings_dir.glob(f"prompt-{call.ivr_id}-*"))

    await service.writer.wait_idle()
    event = await db.fetchrow(
        "SELECT details FROM call_events WHERE call_id = $1 AND name = 'prompt_recorded'",
        call.ivr_id,
    )
    assert event is not None
    audit = await db.fetchrow(
        "SELECT * FROM prompt_recordings WHERE stored_path = $1 ORDER BY id DESC LIMIT 1",
        str(stored),
    )
    assert audit is not None
    assert (audit["prompt"], audit["language"], audit["source"]) == (
        "language_menu",
        "hmn",
        "phone",
    )
    assert audit["set_by"] == f"Local/{RECORD_PROMPT}@{ADMIN_CONTEXT}, 1001"


async def test_silent_take_is_refused_then_redo_then_cancel_changes_nothing(
    service: Service,
    line: CallerLine,
    recorder: EventRecorder,
    clean_hmong: None,
) -> None:
    call = await admin_dials(line, recorder)
    await line.press(call, HMONG + GREETING + "#")
    await recorder.wait_for(call.ivr_id, "prompt_recording_started", timeout=30)
    await line.say(call, "silence/2")
    await line.press(call, "#")
    rejected = await recorder.wait_for(call.ivr_id, "prompt_recording_rejected")
    assert rejected.details["prompt"] == "greeting"
    assert "silent" in rejected.details["reason"] or "too short" in rejected.details["reason"]

    await wait_for_take(recorder, call, 2)
    await speak_a_take(line, recorder, call)
    await recorder.wait_for(call.ivr_id, "prompt_recording_review")
    await line.press(call, AGAIN)

    await wait_for_take(recorder, call, 3)
    await speak_a_take(line, recorder, call)
    await wait_for_count(recorder, call, "prompt_recording_review", 2)
    await line.press(call, CANCEL)

    ended = await recorder.wait_for(call.ivr_id, "prompt_session_ended", timeout=30)
    assert ended.details == {"outcome": "cancelled"}
    assert "prompt_recording_cancelled" in recorder.names(call.ivr_id)
    assert "prompt_recorded" not in recorder.names(call.ivr_id)
    assert ("hmn", "greeting") not in service.prompts.sources()
    assert service.prompts.media("greeting", "hmn") is None
    assert not list(service.settings.asterisk_recordings_dir.glob(f"prompt-{call.ivr_id}-*"))


async def test_three_wrong_answers_end_the_call_politely(
    line: CallerLine, recorder: EventRecorder
) -> None:
    call = await admin_dials(line, recorder)
    for count, key in enumerate("98", start=1):  # no such language
        await line.press(call, key)
        await wait_for_count(recorder, call, "prompt_input_invalid", count)
    assert "prompt_session_ended" not in recorder.names(call.ivr_id)
    await line.press(call, "7")
    ended = await recorder.wait_for(call.ivr_id, "prompt_session_ended", timeout=60)
    assert ended.details == {"outcome": "too_many_failures"}
    assert "prompt_recording_started" not in recorder.names(call.ivr_id)


async def test_a_line_outside_the_admin_context_is_refused(
    service: Service, line: CallerLine, recorder: EventRecorder
) -> None:
    """Straight into our app with the `record-prompt` argument, bypassing the dialplan gate."""
    ident = uuid.uuid4().hex[:12]
    intruder = f"intruder-{ident}"
    await line.ari.originate(
        {
            "endpoint": "Local/6085550199@ccc-not-ours",
            "app": service.settings.ari_app,
            "appArgs": "record-prompt",
            "channelId": intruder,
            "otherChannelId": f"intruder-other-{ident}",
            "callerId": '"Intruder" <6085559999>',
            "formats": "ulaw",
        }
    )
    refused = await recorder.wait_for(intruder, "prompt_session_refused")
    assert refused.details["context"] != ADMIN_CONTEXT
    assert refused.details["caller_number"] == "6085559999"
    assert recorder.names(intruder) == ["prompt_session_refused"]
    # And hung up: watch the channel from our test app, unless it is gone already.
    try:
        await line.ari.subscribe(f"channel:{intruder}")
    except AriError:
        return
    await line.wait_event("ChannelDestroyed", "channel", intruder)


async def wait_for_take(recorder: EventRecorder, call: PlacedCall, take: int) -> None:
    async with asyncio.timeout(30), recorder._changed:
        await recorder._changed.wait_for(
            lambda: any(
                event.name == "prompt_recording_started" and event.details["take"] == take
                for event in recorder.events[call.ivr_id]
            )
        )


async def wait_for_count(
    recorder: EventRecorder, call: PlacedCall, name: str, count: int, timeout: float = 30
) -> None:
    async with asyncio.timeout(timeout), recorder._changed:
        await recorder._changed.wait_for(lambda: recorder.names(call.ivr_id).count(name) >= count)
