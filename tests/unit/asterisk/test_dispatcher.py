"""What the dispatcher does with a channel it can no longer run: a caller goes to the dialplan's
fallback (the operator queue), any other channel (a staff phone's own call, a snoop, a line the
service rang) is hung up, on a failing handler as on shutdown."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from ccc_telephony.asterisk.ari.channel import StasisChannel
from ccc_telephony.asterisk.ari.client import AriError
from ccc_telephony.asterisk.ari.dispatcher import FALLBACK, StasisDispatcher


class _Ari:
    def __init__(self) -> None:
        self.done: list[tuple[str, str]] = []

    async def continue_in_dialplan(self, channel_id: str, *, context: str, extension: str) -> None:
        self.done.append((channel_id, f"continue {context},{extension}"))

    async def hangup(self, channel_id: str, reason: str = "normal") -> None:
        self.done.append((channel_id, "hangup"))

    async def subscribe(self, event_source: str) -> None:
        if event_source == "channel:gone":
            raise AriError(422, "Event source does not exist")
        if event_source == "channel:broken":
            raise AriError(500, "Internal Server Error")


def _start(channel_id: str, *args: str) -> dict[str, Any]:
    return {"type": "StasisStart", "channel": {"id": channel_id}, "args": list(args)}


async def _broken(_call: StasisChannel) -> None:
    raise RuntimeError("a bug")


async def _forever(_call: StasisChannel) -> None:
    await asyncio.Event().wait()


def _dispatcher(ari: _Ari) -> StasisDispatcher:
    dispatcher = StasisDispatcher(ari, handlers={}, adopt={})  # type: ignore[arg-type]
    dispatcher.add_handlers({"main": _broken, "waiting": _forever})
    dispatcher.add_handlers({"snoop": _broken, "line": _forever}, callers=False)
    return dispatcher


async def test_a_failing_handler_hands_a_caller_over_and_hangs_up_anything_else() -> None:
    ari = _Ari()
    dispatcher = _dispatcher(ari)
    dispatcher.on_event(_start("caller", "main"))
    dispatcher.on_event(_start("snoop-1", "snoop", "x"))
    await asyncio.wait_for(dispatcher.idle.wait(), 5)
    assert sorted(ari.done) == [
        ("caller", f"continue {FALLBACK[0]},{FALLBACK[1]}"),
        ("snoop-1", "hangup"),
    ]


async def test_on_shutdown_callers_go_to_the_fallback_and_lines_end() -> None:
    ari = _Ari()
    dispatcher = _dispatcher(ari)
    dispatcher.on_event(_start("caller", "waiting"))
    dispatcher.on_event(_start("line-1", "line"))
    await dispatcher.drain(0)
    dispatcher.on_event(_start("late-snoop", "snoop"))  # after the stop began: not run
    dispatcher.on_event(_start("late-caller", "main"))
    for _ in range(3):
        await asyncio.sleep(0)  # the hand-offs of channels that arrived late are tasks
    assert sorted(ari.done) == [
        ("caller", f"continue {FALLBACK[0]},{FALLBACK[1]}"),
        ("late-caller", f"continue {FALLBACK[0]},{FALLBACK[1]}"),
        ("late-snoop", "hangup"),
        ("line-1", "hangup"),
    ]


async def test_a_channel_gone_before_it_is_watched_is_told_at_once() -> None:
    """A busy line hangs up before the subscription: its ChannelDestroyed will never come."""
    dispatcher = _dispatcher(_Ari())
    ended: list[dict[str, Any]] = []
    await dispatcher.watch("gone", ended.append)
    assert [e["type"] for e in ended] == ["ChannelDestroyed"]
    assert dispatcher.watching() == set()
    with pytest.raises(AriError):  # any other refusal is the caller's to handle
        await dispatcher.watch("broken", ended.append)
    assert len(ended) == 1
