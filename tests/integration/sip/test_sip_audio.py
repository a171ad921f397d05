"""Real audio through the queue: a caller on the trunk and an agent's phone (SIPp for SIP, a
Python RTP party each for the media) hear each other's tones once the queue connects them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from ccc_telephony.devstack.stack import Stack
from tests.integration.agents.conftest import api, phones
from tests.integration.support.audio import caller_with_agent
from tests.integration.support.clock import ShiftedClock
from tests.integration.support.recorder import EventRecorder
from tests.sipp import SipPhone

__all__ = ["api", "phones"]
CALLER_HZ, AGENT_HZ = 600, 1400


async def test_caller_and_agent_hear_each_other(
    phones: Callable[..., Awaitable[SipPhone]],
    stack: Stack,
    recorder: EventRecorder,
    open_hours: ShiftedClock,
    tmp_path: Path,
) -> None:
    async with caller_with_agent(
        phones,
        stack,
        recorder,
        tmp_path,
        agent=("xaudio1", "3811"),
        caller_hz=CALLER_HZ,
        agent_hz=AGENT_HZ,
    ) as call:
        heard = await call.agent_audio.hears(CALLER_HZ, share=0.5)
        assert call.caller_audio.share(CALLER_HZ, since=heard) < 0.1  # nobody hears themself
        assert call.agent_audio.share(AGENT_HZ, since=heard) < 0.1
