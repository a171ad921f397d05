"""A real SIP call with real audio, through the queue: a SIPp caller on the trunk, answered by
a SIPp agent phone, each with a Python RTP party (tests.sipp.media) for its sound. The tests of
every mid-call tool start from here and then measure who hears what."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from ccc_telephony.devstack.stack import Stack
from tests.integration.support.ports import free_udp_port, media_port
from tests.integration.support.recorder import EventRecorder, wait_for_call_started
from tests.sipp import CallHandling, OutgoingCall, SipPhone, trunk_call
from tests.sipp.media import RtpParty

MAIN = "6085550100"
EBD_CASE = "11" + "4567890123#"  # English, EBD, a case number
TALKING = CallHandling(transfers=True)  # answers, then keys (or transfers) when told


@dataclass
class AudioCall:
    call_id: str
    sip: OutgoingCall  # the caller's SIP
    caller_audio: RtpParty
    agent: SipPhone
    agent_audio: RtpParty


@asynccontextmanager
async def caller_with_agent(
    phones: Callable[..., Awaitable[SipPhone]],
    stack: Stack,
    recorder: EventRecorder,
    workdir: Path,
    *,
    agent: tuple[str, str],
    caller_hz: float | None = None,
    agent_hz: float | None = 1400,
    keys: str = EBD_CASE,
) -> AsyncIterator[AudioCall]:
    """The caller keys `keys` in the IVR and is answered by the EBD agent `agent` (id,
    extension), whose phone keys when the test says; yields once the caller hears the agent
    (or, with a silent agent, the agent hears the caller). `None` for a silent party."""
    agent_id, extension = agent
    async with (
        RtpParty(tone_hz=caller_hz, port=media_port()) as caller_audio,
        RtpParty(tone_hz=agent_hz, port=media_port()) as agent_audio,
    ):
        phone = await phones(
            agent_id, extension, "ebd", rtp_port=agent_audio.port, handling=TALKING
        )
        name = f"Caller of {agent_id}"
        call = trunk_call(
            target=f"127.0.0.1:{stack.inst.ports.sip}",
            number=MAIN,
            workdir=workdir,
            local_port=free_udp_port(),
            media_port=free_udp_port(even=True),
            name=name,
            rtp_port=caller_audio.port,
        )
        async with call:
            caller_audio.send_to(await call.media(await call.answered()))
            call_id = await wait_for_call_started(recorder, name)
            await call.press(keys)
            await recorder.wait_for(call_id, "agent_answered", timeout=30)
            (agent_call,) = await phone.answered()
            agent_audio.send_to(await phone.media(agent_call))
            if agent_hz is not None:
                await caller_audio.hears(agent_hz, share=0.5)
            elif caller_hz is not None:
                await agent_audio.hears(caller_hz, share=0.5)
            yield AudioCall(call_id, call, caller_audio, phone, agent_audio)
