"""Three parties on real SIP with real audio: a caller on the trunk reaches an agent's phone
through the queue, the agent keys *61 and the language line (a SIPp phone) joins. Each party's
audio is an RtpParty sending a tone of its own: each hears the other two and never itself; the
agent steps aside (*63) and back; keys the interpreter's id (*64); the screen documents the
name and role; the agent drops the interpreter (*62) and still has the caller."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg

from ccc_telephony.app import Service
from ccc_telephony.devstack.stack import Stack
from tests.integration.agents.conftest import Api
from tests.integration.interpreters.conftest import channels_gone
from tests.integration.support.audio import caller_with_agent
from tests.integration.support.clock import ShiftedClock
from tests.integration.support.ports import media_port
from tests.integration.support.recorder import EventRecorder
from tests.sipp import SipPhone
from tests.sipp.media import RtpParty

CALLER_HZ, AGENT_HZ, INTERPRETER_HZ = 600, 1400, 1000
MEASURE_S = 0.6  # audio measured after each change


async def _stretch(*parties: RtpParty) -> tuple[float, float]:
    """A stretch of audio from now, long enough to measure tones in."""
    start = time.monotonic()
    await asyncio.sleep(MEASURE_S)  # audio accumulating, not an event to await
    return start, time.monotonic()


def _shares(party: RtpParty, window: tuple[float, float]) -> dict[int, float]:
    since, until = window
    return {
        hz: party.share(hz, since=since, until=until)
        for hz in (CALLER_HZ, AGENT_HZ, INTERPRETER_HZ)
    }


async def test_three_parties_hear_each_other_and_the_interpreter_is_dropped(
    phones: Callable[..., Awaitable[SipPhone]],
    language_line: Callable[..., Awaitable[SipPhone]],
    api: Api,
    stack: Stack,
    service: Service,
    recorder: EventRecorder,
    db: asyncpg.Connection,
    open_hours: ShiftedClock,
    tmp_path: Path,
) -> None:
    async with (
        RtpParty(tone_hz=INTERPRETER_HZ, port=media_port()) as interpreter_audio,
        caller_with_agent(
            phones,
            stack,
            recorder,
            tmp_path,
            agent=("iaud1", "3863"),
            caller_hz=CALLER_HZ,
            agent_hz=AGENT_HZ,
            keys="2" + "1" + "4567890123#",  # Spanish, EBD, a case number
        ) as call,
    ):
        interpreter = await language_line(rtp_port=interpreter_audio.port)
        agent, call_id = call.agent, call.call_id
        caller_audio, agent_audio = call.caller_audio, call.agent_audio
        await agent_audio.hears(CALLER_HZ, share=0.5)

        await agent.press("*61")
        (line_call,) = await interpreter.answered()
        interpreter_audio.send_to(await interpreter.media(line_call))
        joined = await recorder.wait_for(call_id, "interpreter_joined")
        assert (joined.details["language"], joined.details["agent"]) == ("es", "iaud1")
        assert joined.details["number"] == "PJSIP/language-line"
        for party, others in (
            (caller_audio, (AGENT_HZ, INTERPRETER_HZ)),
            (agent_audio, (CALLER_HZ, INTERPRETER_HZ)),
            (interpreter_audio, (CALLER_HZ, AGENT_HZ)),
        ):
            for hz in others:
                await party.hears(hz, share=0.2)
        window = await _stretch()
        heard = {
            "caller": _shares(caller_audio, window),
            "agent": _shares(agent_audio, window),
            "interpreter": _shares(interpreter_audio, window),
        }
        own = {"caller": CALLER_HZ, "agent": AGENT_HZ, "interpreter": INTERPRETER_HZ}
        for who, shares in heard.items():
            assert shares[own[who]] < 0.05, (who, heard)  # nobody hears themself
            assert all(s > 0.2 for hz, s in shares.items() if hz != own[who]), (who, heard)

        # The agent steps aside: caller and interpreter talk alone; then back.
        await agent.press("*63")
        await recorder.wait_for(call_id, "agent_stepped_aside")
        window = await _stretch()
        assert _shares(agent_audio, window)[CALLER_HZ] < 0.05
        assert _shares(caller_audio, window)[AGENT_HZ] < 0.05
        assert _shares(caller_audio, window)[INTERPRETER_HZ] > 0.5
        assert _shares(interpreter_audio, window)[CALLER_HZ] > 0.5
        await agent.press("*63")
        await recorder.wait_for(call_id, "agent_stepped_back")
        await caller_audio.hears(AGENT_HZ, share=0.2)

        # Who interpreted: the id keyed on the phone, the name and role from the screen.
        await agent.press("*64" + "4521#")
        keyed = await recorder.wait_for(call_id, "interpreter_documented")
        assert keyed.details["interpreter_id"] == "4521"
        status, reply = await api.call(
            "PATCH",
            "/api/v1/agents/iaud1/call/interpreter",
            {"name": "Rosa Díaz", "role": "Spanish interpreter, language line"},
        )
        assert status == 200, reply
        assert (reply["name"], reply["interpreter_id"]) == ("Rosa Díaz", "4521")

        await agent.press("*62")
        left = await recorder.wait_for(call_id, "interpreter_left")
        assert left.details["reason"] == "dropped"
        assert (await interpreter.ended())[0][1] == "far"
        session = left.details["session"].replace("-", "")
        await channels_gone(service, f"interp-{session}-line", f"interp-{session}-snoop")
        start = await caller_audio.hears(AGENT_HZ, share=0.5)
        await agent_audio.hears(CALLER_HZ, share=0.5)
        assert caller_audio.share(INTERPRETER_HZ, since=start) < 0.05
        assert len(agent.state.talking) == 1
    await service.writer.wait_idle()
    row = await db.fetchrow("SELECT * FROM call_interpreters WHERE call_id = $1", call_id)
    assert row is not None
    assert (row["agent_id"], row["language"], row["number"]) == (
        "iaud1",
        "es",
        "PJSIP/language-line",
    )
    assert (row["interpreter_id"], row["name"], row["role"]) == (
        "4521",
        "Rosa Díaz",
        "Spanish interpreter, language line",
    )
    assert row["left_reason"] == "dropped" and row["documented_by"] == "admin"
