"""A caller dials the main number of the real Asterisk and goes through the IVR."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

import asyncpg

from ccc_telephony.app import Service
from tests.integration.agents.conftest import Api, api
from tests.integration.escalations.conftest import staff
from tests.integration.support.callers import CallerLine
from tests.integration.support.clock import Moments, ShiftedClock
from tests.integration.support.live import live_feed
from tests.integration.support.recorder import EventRecorder
from tests.integration.support.steps import MAIN, Callers

__all__ = ["api", "staff"]


async def test_english_ebd_caller_with_case_number_is_queued(
    service: Service,
    line: CallerLine,
    recorder: EventRecorder,
    callers: Callers,
    db: asyncpg.Connection,
    open_hours: ShiftedClock,
) -> None:
    call = await callers.dial()
    await line.press(call, "11" + "1234567890#")
    queued = await recorder.wait_for(call.ivr_id, "queued")
    assert queued.details["queue"] == "ebd"
    channel = await line.wait_in_app(call.ivr_id, "Queue")
    assert channel["dialplan"]["exten"] == "ebd"
    ended = await callers.hang_up(call)
    assert ended.details["outcome"] == "queued"
    await recorder.wait_for(call.ivr_id, "abandoned")  # from app_queue, before or after
    await service.writer.wait_idle()

    row = await db.fetchrow("SELECT * FROM calls WHERE call_id = $1", call.ivr_id)
    assert row is not None
    assert (row["language"], row["program"], row["queue"], row["case_number"]) == (
        "en",
        "ebd",
        "ebd",
        "1234567890",
    )
    assert row["ended_at"] is not None and row["outcome"] == "abandoned"
    assert row["ivr_outcome"] == "queued" and row["abandoned_at"] is not None
    assert (row["dialed_number"], row["caller_number"]) == (MAIN, "6085551234")
    names = [
        r["name"]
        for r in await db.fetch(
            "SELECT name FROM call_events WHERE call_id = $1 ORDER BY at, id", call.ivr_id
        )
    ]
    assert names[:3] == ["call_started", "call_answered", "language_selected"]
    assert {"menu_choice", "caller_identified", "queued", "call_ended"} <= set(names)


async def test_zero_reaches_the_operator_never_voicemail(
    service: Service,
    line: CallerLine,
    recorder: EventRecorder,
    callers: Callers,
    open_hours: ShiftedClock,
) -> None:
    call = await callers.dial()
    await line.press(call, "20")
    requested = await recorder.wait_for(call.ivr_id, "operator_requested")
    assert requested.details["language"] == "es"
    channel = await line.wait_in_app(call.ivr_id, "Queue")
    assert channel["dialplan"]["exten"] == "operator"
    await callers.hang_up(call)


async def test_after_hours_caller_leaves_a_message(
    service: Service,
    line: CallerLine,
    recorder: EventRecorder,
    callers: Callers,
    db: asyncpg.Connection,
    clock: ShiftedClock,
    moments: Moments,
    staff: Callable[..., Awaitable[str]],
    api: Api,
) -> None:
    clock.set(moments.night)
    head = await staff("ivrsup1", "family", role="supervisor")
    async with live_feed(api.base, head) as screen:
        row = await _leave_a_message(service, line, recorder, callers, db)
        # Stored by the event projection, then told live like every message left.
        left = await screen.next_of("message_left", timeout=30)
    assert (left["id"], left["source"], left["queue"]) == (row["id"], "after_hours", "family")
    assert left["caller_number"] == row["caller_number"]
    # Due by noon of the next business day (the test night is a Tuesday's; the Wednesday
    # after is the test policy's holiday).
    due = row["due_at"].astimezone(moments.night.tzinfo)
    assert (due.date(), due.hour) == ((moments.night + timedelta(days=2)).date(), 12)
    actions = await db.fetch("SELECT action FROM message_actions WHERE message_id = $1", row["id"])
    assert [a["action"] for a in actions] == ["left"]


async def _leave_a_message(
    service: Service,
    line: CallerLine,
    recorder: EventRecorder,
    callers: Callers,
    db: asyncpg.Connection,
) -> asyncpg.Record:
    """A caller after hours chooses the Family queue and leaves a message: its row."""
    call = await callers.dial()
    await line.listen(call)
    await line.press(call, "1")
    after = await recorder.wait_for(call.ivr_id, "after_hours")
    assert after.details["reason"] == "after_hours"
    # After the closed message, the message menu: whose call back (and a staff mailbox).
    await line.wait_played(call, "message_menu", timeout=60)
    await line.press(call, "2")  # the Family queue
    chosen = await recorder.wait_for(call.ivr_id, "message_queue_chosen", timeout=30)
    assert chosen.details == {"key": "2", "queue": "family"}
    await line.press(call, "1234567890#")  # the case number (the IVR's identification step)
    identified = await recorder.wait_for(call.ivr_id, "caller_identified", timeout=30)
    assert identified.details["case_number"] == "1234567890"
    await recorder.wait_for(call.ivr_id, "message_offered", timeout=30)
    await line.say(call)
    await line.press(call, "#")
    message = await recorder.wait_for(call.ivr_id, "message_recorded")
    assert message.details["duration_seconds"] >= 1
    ended = await recorder.wait_for(call.ivr_id, "call_ended", timeout=30)
    assert ended.details["outcome"] == "message"
    await service.writer.wait_idle()
    row = await db.fetchrow("SELECT * FROM messages WHERE call_id = $1", call.ivr_id)
    assert row is not None and row["recording"] == message.details["recording"]
    assert (row["source"], row["queue"], row["owner"], row["state"], row["case_number"]) == (
        "after_hours",
        "family",
        None,
        "new",
        "1234567890",
    )
    return row


async def test_after_hours_only_queues_are_offered_and_an_ssn_is_never_kept(
    service: Service,
    line: CallerLine,
    recorder: EventRecorder,
    callers: Callers,
    db: asyncpg.Connection,
    clock: ShiftedClock,
    moments: Moments,
) -> None:
    """The message menu (message_menu) offers the menu's queues: 0 (the operator) and 3 (the
    information branch) are wrong keys there, answered as such; an SSN keyed for the case
    number leaves its last four and keyed hash in the call's events, nothing on the message."""
    clock.set(moments.night)
    call = await callers.dial()
    await line.press(call, "1")
    await recorder.wait_for(call.ivr_id, "after_hours")
    for n, key in enumerate(("3", "0"), start=1):
        await line.press(call, key)
        await recorder.wait_until(
            call.ivr_id, lambda names, n=n: names.count("message_queue_invalid") == n, 30
        )
    wrong = [e.details for e in recorder.events[call.ivr_id] if e.name == "message_queue_invalid"]
    assert wrong == [{"key": "3"}, {"key": "0"}]
    await line.press(call, "1")
    chosen = await recorder.wait_for(call.ivr_id, "message_queue_chosen", timeout=30)
    assert chosen.details == {"key": "1", "queue": "ebd"}
    await line.press(call, "123456789#")
    identified = await recorder.wait_for(call.ivr_id, "caller_identified", timeout=30)
    assert (identified.details["kind"], identified.details["ssn_last4"]) == ("ssn", "6789")
    await recorder.wait_for(call.ivr_id, "message_offered", timeout=30)
    await line.say(call)
    await line.press(call, "#")
    await recorder.wait_for(call.ivr_id, "message_recorded")
    await recorder.wait_for(call.ivr_id, "call_ended", timeout=30)
    await service.writer.wait_idle()
    row = await db.fetchrow("SELECT * FROM messages WHERE call_id = $1", call.ivr_id)
    assert row is not None and (row["queue"], row["case_number"]) == ("ebd", None)
    stored = await db.fetch(
        "SELECT details::text AS d FROM call_events WHERE call_id = $1", call.ivr_id
    )
    assert not any("123456789" in r["d"] for r in stored)
