"""Ending an abusive call, with the ARI side recorded in memory: the call is marked and the
agent asked to document it at once, the message goes to the caller's snoop in their language,
the caller's line drops after it (or at once when it cannot be played)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import pytest

from ccc_telephony.abusive import closing
from ccc_telephony.abusive.closing import AbusiveCalls
from ccc_telephony.asterisk.ari import AriError
from ccc_telephony.live.feed import Audience
from tests.unit.staff import ROSTER


class Line:
    """What the feature asked of Asterisk and the call log, in order."""

    def __init__(self, *, whisper_fails: bool = False) -> None:
        self.done: list[tuple[str, ...]] = []
        self._whisper_fails = whisper_fails

    def emit(self, call_id: str, name: str, details: Mapping[str, Any]) -> None:
        self.done.append(("event", call_id, name, str(details["source"])))

    def publish(self, kind: str, data: Mapping[str, Any], audience: Audience) -> None:
        self.done.append(("live", kind, ",".join(sorted(audience.agents))))

    async def whisper(self, channel: str, args: str) -> None:
        if self._whisper_fails:
            raise AriError(500, "snoop refused")
        self.done.append(("whisper", channel, args))

    async def hang_up(self, channel: str) -> None:
        self.done.append(("hangup", channel))

    async def language_of(self, _: str) -> str | None:
        return "es"


class Snoop:
    def __init__(self, args: list[str], name: str = "Snoop/1796173729.7-00000001") -> None:
        self.args = args
        self.name = name
        self.played: list[str] = []
        self.hung_up = False

    async def play(self, media: list[str], **_: Any) -> None:
        self.played.extend(media)

    async def hangup(self) -> None:
        self.hung_up = True


def _calls(line: Line) -> AbusiveCalls:
    def media(name: str, language: str) -> str | None:
        return None if language == "hmn" else f"sound:{language}/{name}"

    return AbusiveCalls(
        first_language="en",
        media=media,
        emit=line.emit,
        publish=line.publish,
        whisper=line.whisper,
        hang_up=line.hang_up,
        language_of=line.language_of,
    )


async def test_the_call_is_marked_the_agent_asked_and_the_message_sent_in_their_language() -> None:
    line = Line()
    calls = _calls(line)
    await calls.end(ROSTER["ann"], "c1", by="ann (phone)", source="code")
    await calls.end(ROSTER["ann"], "c1", by="ann (phone)", source="code")  # keyed twice
    assert line.done == [
        ("event", "c1", "ended_by_agent_abusive", "code"),
        ("live", "wrapup_requested", "ann"),
        ("whisper", "c1", "abusive-end,c1,es"),
    ]


async def test_the_snoop_plays_the_message_then_the_callers_line_drops() -> None:
    line = Line()
    snoop = Snoop(["abusive-end", "c1", "hmn"])
    await _calls(line).close(snoop)  # type: ignore[arg-type]
    assert snoop.played == ["sound:en/abusive_closing"]  # no Hmong recording yet: English
    assert line.done == [("hangup", "c1")] and snoop.hung_up


async def test_only_a_snoop_may_drop_a_caller() -> None:
    line = Line()
    caller = Snoop(["abusive-end", "c2", "en"], name="PJSIP/carrier-00000007")
    await _calls(line).close(caller)  # type: ignore[arg-type]
    assert line.done == [] and caller.hung_up and not caller.played


async def test_a_message_that_cannot_be_played_still_ends_the_call() -> None:
    line = Line(whisper_fails=True)
    await _calls(line).end(ROSTER["ann"], "c3", by="ann (token 4)", source="api")
    assert line.done[-1] == ("hangup", "c3")


async def test_the_line_drops_by_the_deadline_when_the_message_never_starts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(closing, "CLOSING_MAX_SECONDS", -5)  # the deadline: at once
    line = Line()
    dropped = asyncio.Event()

    async def hang_up(channel: str) -> None:
        line.done.append(("hangup", channel))
        dropped.set()

    line.hang_up = hang_up  # type: ignore[method-assign]
    calls = _calls(line)
    await calls.end(ROSTER["ann"], "c4", by="ann (phone)", source="code")  # no snoop comes
    await asyncio.wait_for(dropped.wait(), 5)
    assert line.done[-1] == ("hangup", "c4")
    await calls.end(ROSTER["ann"], "c4", by="ann (phone)", source="code")  # may end again
    assert line.done[-1][0] == "whisper"
