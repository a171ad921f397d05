"""The interpreter desk's rules against a fake Asterisk: what it asks for, in which order, and
which events it writes, whatever way an interpretation ends."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import pytest

from ccc_telephony.asterisk.ari import AriError, AriNotFound
from ccc_telephony.config.interpreters import Interpreters
from ccc_telephony.interpreters.documentation import Documentation
from ccc_telephony.interpreters.service import (
    AlreadyIn,
    InterpreterDesk,
    LineFailed,
    NoInterpreter,
    NoLine,
)

CALLER = "1796170000.12"
AGENT_LEG = "PJSIP/3101-0000002a"
NOW = datetime(2027, 3, 2, 15, 0, tzinfo=UTC)


class FakeAri:
    app = "ccc-ivr"

    def __init__(self) -> None:
        self.requests: list[tuple[Any, ...]] = []
        self.fail: set[str] = set()

    def _record(self, *request: Any) -> None:
        self.requests.append(request)
        if request[0] in self.fail:
            raise AriError(500, f"{request[0]} failed")

    async def create_bridge(self, bridge_id: str, *, kind: str = "mixing") -> None:
        self._record("create_bridge", bridge_id, kind)

    async def add_to_bridge(self, bridge_id: str, channel_id: str) -> None:
        self._record("add_to_bridge", bridge_id, channel_id)

    async def destroy_bridge(self, bridge_id: str) -> None:
        self._record("destroy_bridge", bridge_id)

    async def hangup(self, channel_id: str, reason: str = "normal") -> None:
        self._record("hangup", channel_id)
        raise AriNotFound(404, "gone")  # already gone: the desk does not mind

    async def snoop(self, channel_id: str, **params: Any) -> Any:
        self._record("snoop", channel_id, params)

    async def originate(
        self, params: Mapping[str, str | int], *, variables: Mapping[str, str] | None = None
    ) -> Any:
        self._record("originate", dict(params), dict(variables or {}))

    def names(self) -> list[str]:
        return [request[0] for request in self.requests]


class FakeQueueCall:
    def __init__(self) -> None:
        self.muted: list[tuple[str, bool]] = []

    async def mute(self, channel: str, muted: bool) -> None:
        self.muted.append((channel, muted))


class Desk:
    def __init__(self, policy: Interpreters) -> None:
        self.ari = FakeAri()
        self.queue_call = FakeQueueCall()
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.watchers: dict[str, Callable[[dict[str, Any]], None]] = {}
        self.desk = InterpreterDesk(
            policy=policy,
            main_number="6085550100",
            ari=self.ari,
            queue_call=self.queue_call,
            watch=self._watch,
            emit=lambda call, name, details: self.events.append((name, dict(details))),
            clock=lambda: NOW,
        )

    async def _watch(self, channel: str, watcher: Callable[[dict[str, Any]], None]) -> None:
        self.watchers[channel] = watcher

    async def join(self, language: str = "es") -> Any:
        return await self.desk.join(
            call_id=CALLER, agent_id="maria", agent_leg=AGENT_LEG, language=language
        )

    def names(self) -> list[str]:
        return [name for name, _ in self.events]

    async def settled(self) -> None:
        """Until the tasks event callbacks started have run."""
        for _ in range(5):
            await asyncio.sleep(0)


@pytest.fixture
def desk() -> Desk:
    return Desk(Interpreters(line="PJSIP/language-line", lines={"hmn": "6085550189"}))


async def test_joining_snoops_on_the_caller_and_rings_the_line(desk: Desk) -> None:
    it = await desk.join()
    assert desk.ari.names() == ["create_bridge", "snoop", "originate"]
    _, caller, snoop = desk.ari.requests[1]
    assert caller == CALLER
    assert snoop == {
        "app_args": f"interpreter-snoop,{CALLER},{it.tag},{AGENT_LEG}",
        "spy": "both",
        "whisper": "both",
        "snoop_id": it.snoop_channel,
    }
    _, params, variables = desk.ari.requests[2]
    assert params["endpoint"] == "PJSIP/language-line" and variables == {}
    assert params["appArgs"] == f"interpreter-line,{CALLER},{it.tag},{AGENT_LEG}"
    assert (params["channelId"], params["timeout"]) == (it.line_channel, 30)
    assert set(desk.watchers) == {it.line_channel, it.snoop_channel}
    assert desk.events == []  # joined only once the interpreter answers


async def test_an_outside_line_is_dialled_through_the_carrier(desk: Desk) -> None:
    await desk.join("hmn")
    _, params, variables = desk.ari.requests[2]
    assert params["endpoint"] == "Local/6085550189@ccc-outbound"
    assert variables == {"CCC_CONSULT": "1"}


async def test_one_interpreter_at_a_time_and_only_where_there_is_a_line() -> None:
    desk = Desk(Interpreters(line=None, lines={"es": "PJSIP/language-line"}))
    await desk.join("es")
    with pytest.raises(AlreadyIn):
        await desk.join("es")
    other = Desk(Interpreters(line=None))
    with pytest.raises(NoLine):
        await other.join("so")


async def test_the_interpreter_answers_joins_once_and_is_dropped(desk: Desk) -> None:
    it = await desk.join()
    await desk.desk.line_answered(it.tag)
    await desk.desk.line_answered(it.tag)  # found again on an events reconnect
    await desk.desk.snoop_started(it.tag)
    await desk.desk.snoop_started(it.tag)
    bridged = [r for r in desk.ari.requests if r[0] == "add_to_bridge"]
    assert bridged == [
        ("add_to_bridge", it.bridge_id, it.line_channel),
        ("add_to_bridge", it.bridge_id, it.snoop_channel),
    ]
    assert desk.events == [
        (
            "interpreter_joined",
            {
                "session": str(it.session),
                "agent": "maria",
                "number": "PJSIP/language-line",
                "language": "es",
                "name": None,
                "role": None,
                "interpreter_id": None,
            },
        )
    ]
    await desk.desk.drop(CALLER)
    assert desk.ari.names()[-3:] == ["hangup", "hangup", "destroy_bridge"]
    assert desk.events[-1] == (
        "interpreter_left",
        {"session": str(it.session), "reason": "dropped"},
    )
    with pytest.raises(NoInterpreter):
        await desk.desk.drop(CALLER)
    desk.watchers[it.line_channel]({"type": "ChannelDestroyed"})  # our own hang-up
    await desk.settled()
    assert desk.names().count("interpreter_left") == 1


async def test_a_line_that_never_answers_is_not_reached(desk: Desk) -> None:
    it = await desk.join()
    desk.watchers[it.line_channel]({"type": "ChannelDestroyed"})
    await desk.settled()
    name, details = desk.events[-1]
    assert (name, details["reason"], details["number"]) == (
        "interpreter_not_reached",
        "no_answer",
        "PJSIP/language-line",
    )
    assert "destroy_bridge" in desk.ari.names()
    await desk.join()  # and the agent may try again


async def test_a_failed_request_leaves_nothing_behind(desk: Desk) -> None:
    desk.ari.fail.add("originate")
    with pytest.raises(LineFailed):
        await desk.join()
    assert desk.ari.names()[-1] == "destroy_bridge"
    assert desk.events[-1][1]["reason"] == "not_connected"


async def test_stepping_aside_and_back_and_a_drop_while_aside(desk: Desk) -> None:
    it = await desk.join()
    await desk.desk.line_answered(it.tag)
    assert (await desk.desk.step(CALLER)).aside
    assert not (await desk.desk.step(CALLER)).aside
    await desk.desk.step(CALLER, aside=True)
    await desk.desk.step(CALLER, aside=True)  # already aside: nothing more
    await desk.desk.drop(CALLER)
    assert desk.queue_call.muted == [
        (AGENT_LEG, True),
        (AGENT_LEG, False),
        (AGENT_LEG, True),
        (AGENT_LEG, False),  # a dropped interpreter gives the agent their call back
    ]
    assert desk.names()[1:4] == ["agent_stepped_aside", "agent_stepped_back", "agent_stepped_aside"]


async def test_the_interpreter_is_documented_even_after_leaving(desk: Desk) -> None:
    it = await desk.join()
    await desk.desk.line_answered(it.tag)
    desk.watchers[it.line_channel]({"type": "ChannelDestroyed"})  # the interpreter hung up
    await desk.settled()
    assert desk.events[-1][1]["reason"] == "interpreter_hung_up"
    documented = await desk.desk.document(
        CALLER, Documentation(name="Rosa Díaz", role="interpreter"), by="maria (token 3)"
    )
    assert documented.documentation.name == "Rosa Díaz"
    assert desk.events[-1] == (
        "interpreter_documented",
        {
            "session": str(it.session),
            "name": "Rosa Díaz",
            "role": "interpreter",
            "interpreter_id": None,
            "by": "maria (token 3)",
        },
    )
    desk.desk.call_over(CALLER, "call_ended")
    with pytest.raises(NoInterpreter):
        await desk.desk.document(CALLER, Documentation(name="Rosa"), by="maria")


async def test_the_agents_part_ending_takes_the_interpreter_along(desk: Desk) -> None:
    it = await desk.join()
    await desk.desk.line_answered(it.tag)
    desk.desk.call_over(CALLER, "transferred")
    await desk.settled()
    assert desk.events[-1] == (
        "interpreter_left",
        {"session": str(it.session), "reason": "transferred"},
    )
