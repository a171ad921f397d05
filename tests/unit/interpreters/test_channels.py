"""The two channels of an interpretation as the dispatcher hands them over: one this process
made goes to the desk; one found after a restart is ended with the call put back."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from ccc_telephony.config.interpreters import Interpreters
from ccc_telephony.interpreters.stasis import InterpreterChannels
from tests.unit.interpreters.test_desk import AGENT_LEG, CALLER, Desk


class FakeChannel:
    def __init__(self, args: list[str]) -> None:
        self.args = args
        self.handed_off = False
        self.hung_up = False

    async def hangup(self) -> None:
        self.hung_up = True


def _channels(desk: Desk) -> InterpreterChannels:
    return InterpreterChannels(
        desk.desk,
        ari=desk.ari,
        queue_call=desk.queue_call,
        emit=lambda call, name, details: desk.events.append((name, dict(details))),
    )


async def _hand(channels: InterpreterChannels, handler: str, args: list[str]) -> FakeChannel:
    channel = FakeChannel([handler, *args])
    await channels.handlers()[handler](channel)  # type: ignore[arg-type]
    return channel


async def test_a_channel_of_this_process_goes_to_the_desk() -> None:
    desk = Desk(Interpreters())
    it = await desk.join()
    line = await _hand(_channels(desk), "interpreter-line", [CALLER, it.tag, AGENT_LEG])
    assert line.handed_off and not line.hung_up  # never the callers' fallback
    assert desk.names() == ["interpreter_joined"]


async def test_one_found_after_a_restart_is_ended_once_and_the_call_put_back() -> None:
    desk = Desk(Interpreters())
    channels = _channels(desk)
    session = uuid4()
    args: list[Any] = [CALLER, session.hex, AGENT_LEG]
    snoop = await _hand(channels, "interpreter-snoop", args)
    line = await _hand(channels, "interpreter-line", args)
    assert snoop.hung_up and line.hung_up
    assert desk.events == [
        ("interpreter_left", {"session": str(session), "reason": "service_restarted"})
    ]
    assert ("destroy_bridge", f"interp-{session.hex}") in desk.ari.requests
    assert desk.queue_call.muted == [(AGENT_LEG, False)]


async def test_hostile_arguments_end_the_channel_and_nothing_else() -> None:
    desk = Desk(Interpreters())
    for args in (["", "not-a-session"], [CALLER, "../../channels/1796170000.12"]):
        channel = await _hand(_channels(desk), "interpreter-line", args)
        assert channel.hung_up and desk.events == [] and desk.ari.requests == []
