"""Paths through the menu that must end with a person: Hmong before its prompts are recorded,
and a caller who gives no valid choice three times."""

from __future__ import annotations

from ccc_telephony.app import Service
from tests.integration.support.callers import CallerLine
from tests.integration.support.clock import ShiftedClock
from tests.integration.support.recorder import EventRecorder
from tests.integration.support.steps import Callers


async def test_hmong_caller_goes_to_the_operator_marked_hmong(
    service: Service,
    line: CallerLine,
    recorder: EventRecorder,
    callers: Callers,
    open_hours: ShiftedClock,
) -> None:
    assert not service.prompts.has_language("hmn", ["main_menu"])
    call = await callers.dial()
    await line.press(call, "3")
    requested = await recorder.wait_for(call.ivr_id, "operator_requested")
    assert requested.details == {"queue": "operator", "reason": "language", "language": "hmn"}
    channel = await line.wait_in_app(call.ivr_id, "Queue")
    assert channel["dialplan"]["exten"] == "operator"
    assert await line.variable(call.ivr_id, "CCC_LANGUAGE") == "hmn"
    assert "menu_choice" not in recorder.names(call.ivr_id)
    await callers.hang_up(call)


async def test_three_invalid_choices_reach_the_operator(
    service: Service,
    line: CallerLine,
    recorder: EventRecorder,
    callers: Callers,
    open_hours: ShiftedClock,
) -> None:
    call = await callers.in_main_menu()
    for key in ("9", "*", "#"):
        seen = recorder.names(call.ivr_id).count("menu_choice")
        await line.press(call, key)
        await recorder.wait_until(call.ivr_id, lambda names, n=seen: names.count("menu_choice") > n)
    requested = await recorder.wait_for(call.ivr_id, "operator_requested")
    assert requested.details["reason"] == "no_valid_input"
    choices = [e.details for e in recorder.events[call.ivr_id] if e.name == "menu_choice"]
    assert [c["key"] for c in choices] == ["9", "*", "#"]
    assert not any(c["valid"] for c in choices)
    channel = await line.wait_in_app(call.ivr_id, "Queue")
    assert channel["dialplan"]["exten"] == "operator"
    await callers.hang_up(call)


async def test_caller_who_hangs_up_in_the_menu_is_recorded_as_such(
    service: Service,
    line: CallerLine,
    recorder: EventRecorder,
    callers: Callers,
    open_hours: ShiftedClock,
) -> None:
    call = await callers.dial()
    ended = await callers.hang_up(call)
    assert ended.details["outcome"] == "hangup_in_ivr"
    assert recorder.names(call.ivr_id).count("call_ended") == 1
