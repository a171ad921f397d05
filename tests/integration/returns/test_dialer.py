"""The return-call dialer through the sandbox's carrier: the agent's phone rings first, then
the caller is dialled with the main number as caller ID; answered, busy and never answered
come back as such, and a number that cannot be dialled places no call."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from ccc_telephony.app import Service
from ccc_telephony.config.returns import Returns
from ccc_telephony.returns.dialer import Attempt, NotDialable, Outcome
from tests.integration.support.clock import ShiftedClock
from tests.sipp import BUSY, NO_ANSWER


class Outcomes:
    """What `call_back` reports, awaited in order."""

    def __init__(self) -> None:
        self._queue: asyncio.Queue[Outcome | None] = asyncio.Queue()

    async def __call__(self, _: Attempt, outcome: Outcome | None) -> None:
        await self._queue.put(outcome)

    async def next(self, timeout: float = 30) -> Outcome | None:
        async with asyncio.timeout(timeout):
            return await self._queue.get()


async def test_the_caller_answers_sees_the_main_number_and_hangs_up(
    phones: Callable[..., Any],
    carrier: Callable[..., Any],
    service: Service,
    open_hours: ShiftedClock,
) -> None:
    agent = await phones("rdial1", "3951", "ebd", log_in=False)
    outside = await carrier()
    outcomes = Outcomes()
    attempt = await service.dialer.call_back(
        "rdial1", "+1 (608) 555-0142", reference="test:1", on_outcome=outcomes, language="es"
    )
    assert attempt.number == "6085550142"
    await agent.answered()
    trace = (agent.files / "msg.log").read_text(errors="replace")
    assert '"Return 608-555-0142" <sip:6085550142@' in trace  # whom the agent calls back
    await outside.answered()
    outcome = await outcomes.next()
    assert outcome is not None and outcome.result == "answered", outcome
    invite = await outside.trace()
    assert "INVITE sip:+16085550142@" in invite
    assert "<sip:6085550100@" in invite.split("INVITE sip:", 1)[1].split("\n\n", 1)[0]
    assert "3951" not in invite  # never the agent's extension
    await outside.hang_up()
    assert outcome.ended is not None
    async with asyncio.timeout(10):
        assert await outcome.ended == "caller"
    assert (await agent.ended())[0][1] == "far"


# Measured on Asterisk 22.10: the carrier's 486 is cause 17 on the caller's Local channel; the
# originate's ring time running out is 19.
@pytest.mark.parametrize(
    ("handling", "result", "cause"), [(BUSY, "busy", 17), (NO_ANSWER, "no_answer", 19)]
)
async def test_a_busy_or_unanswered_caller_is_an_attempt_that_failed(
    phones: Callable[..., Any],
    carrier: Callable[..., Any],
    service: Service,
    open_hours: ShiftedClock,
    monkeypatch: pytest.MonkeyPatch,
    handling: Any,
    result: str,
    cause: int,
) -> None:
    monkeypatch.setattr(service.dialer, "_policy", Returns(ring_seconds=5))
    agent = await phones("rdial2", "3952", "ebd", log_in=False)
    outside = await carrier(handling=handling)
    outcomes = Outcomes()
    await service.dialer.call_back("rdial2", "6085550143", reference="t", on_outcome=outcomes)
    await agent.answered()
    await outside.offered()
    outcome = await outcomes.next()
    assert outcome is not None and (outcome.result, outcome.cause) == (result, cause), outcome
    assert outcome.ended is None
    assert (await agent.ended())[0][1] == "far"  # the agent's phone is hung up


async def test_the_agent_does_not_answer_their_phone(
    phones: Callable[..., Any],
    service: Service,
    open_hours: ShiftedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(service.dialer, "_policy", Returns(agent_ring_seconds=5))
    await phones("rdial3", "3953", "ebd", log_in=False, handling=NO_ANSWER)
    outcomes = Outcomes()
    await service.dialer.call_back("rdial3", "6085550144", reference="t", on_outcome=outcomes)
    assert await outcomes.next() is None  # the caller was never dialled


@pytest.mark.parametrize("number", ["anonymous", "", "3951", "+44 20 7946 0958"])
async def test_a_number_that_cannot_be_dialled_places_no_call(
    phones: Callable[..., Any], service: Service, number: str
) -> None:
    await phones("rdial4", "3954", "ebd", log_in=False)
    before = len(await service.ari.channels())
    with pytest.raises(NotDialable):
        await service.dialer.call_back("rdial4", number, reference="t", on_outcome=Outcomes())
    assert len(await service.ari.channels()) == before
