"""Real audio through the queue: a caller on the trunk and an agent's phone (SIPp for SIP, a
Python RTP party each for the media) hear each other's tones once the queue connects them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from ccc_telephony.devstack.stack import Stack
from tests.integration.agents.conftest import api, phones
from tests.integration.support.clock import ShiftedClock
from tests.integration.support.ports import free_udp_port
from tests.integration.support.recorder import EventRecorder, wait_for_call_started
from tests.sipp import SipPhone, trunk_call
from tests.sipp.media import RtpParty

__all__ = ["api", "phones"]
CALLER_HZ, AGENT_HZ = 600, 1400


async def test_caller_and_agent_hear_each_other(
    phones: Callable[..., Awaitable[SipPhone]],
    stack: Stack,
    recorder: EventRecorder,
    open_hours: ShiftedClock,
    tmp_path: Path,
) -> None:
    async with (
        RtpParty(tone_hz=CALLER_HZ) as caller_audio,
        RtpParty(tone_hz=AGENT_HZ) as agent_audio,
    ):
        agent = await phones("xaudio1", "3811", "ebd", rtp_port=agent_audio.port)
        call = trunk_call(
            target=f"127.0.0.1:{stack.inst.ports.sip}",
            number="6085550100",
            workdir=tmp_path,
            local_port=free_udp_port(),
            media_port=free_udp_port(even=True),
            name="Audio Caller",
            rtp_port=caller_audio.port,
        )
        async with call:
            caller_audio.send_to(await call.media(await call.answered()))
            call_id = await wait_for_call_started(recorder, "Audio Caller")
            await call.press("11" + "4567890123#")
            await recorder.wait_for(call_id, "agent_answered", timeout=30)
            (agent_call,) = await agent.answered()
            agent_audio.send_to(await agent.media(agent_call))
            heard = await agent_audio.hears(CALLER_HZ, share=0.5)
            await caller_audio.hears(AGENT_HZ, share=0.5)
            assert caller_audio.share(CALLER_HZ, since=heard) < 0.1  # nobody hears themself
            assert agent_audio.share(AGENT_HZ, since=heard) < 0.1
