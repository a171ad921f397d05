"""A real SIP phone (SIPp) registered with digest auth as the admin endpoint, which Asterisk
calls: it answers, or rings until Asterisk gives up. What Asterisk sees (endpoint online,
channel Up, no answer) is read from ARI, never assumed from the phone's side."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from ccc_telephony.app import Service
from ccc_telephony.devstack.stack import Stack
from tests.integration.prompts.test_admin_phone_sip import wait_for_session
from tests.integration.support.callers import TEST_APP, CallerLine
from tests.integration.support.ports import free_udp_port
from tests.integration.support.recorder import EventRecorder
from tests.sipp import ANSWER, BUSY, NO_ANSWER, CallHandling, Credentials, SipPhone


def admin_phone(stack: Stack, workdir: Path, *, handling: CallHandling = ANSWER) -> SipPhone:
    password = (stack.inst.secrets_dir / "admin-password").read_text().strip()
    return SipPhone(
        registrar=f"127.0.0.1:{stack.inst.ports.sip}",
        credentials=Credentials("admin", password),
        local_port=free_udp_port(),
        media_port=free_udp_port(even=True),
        workdir=workdir,
        handling=handling,
    )


async def endpoint_state(line: CallerLine) -> str:
    endpoint: dict[str, Any] = await line.ari.request("GET", "/endpoints/PJSIP/admin")
    return str(endpoint["state"])


async def ring_admin(line: CallerLine, *, timeout_s: int) -> str:
    """Asterisk calls PJSIP/admin; answered, the channel enters our test app."""
    channel_id = f"phone-{uuid.uuid4().hex[:12]}"
    await line.ari.originate(
        {
            "endpoint": "PJSIP/admin",
            "app": TEST_APP,
            "channelId": channel_id,
            "timeout": timeout_s,
            "callerId": '"Test Caller" <6085551234>',
        }
    )
    return channel_id


async def test_phone_registers_and_answers(stack: Stack, line: CallerLine, tmp_path: Path) -> None:
    async with admin_phone(stack, tmp_path) as phone:
        assert await endpoint_state(line) == "online"
        channel_id = await ring_admin(line, timeout_s=10)
        await line.wait_event("StasisStart", "channel", channel_id)
        channel = await line.channel(channel_id)
        assert channel is not None and channel["state"] == "Up"
        (call_id,) = await phone.answered()
        assert call_id == channel["protocol_id"]  # the SIP Call-ID: this very call
        await line.ari.hangup(channel_id)
        assert await phone.ended() == ((call_id, "far"),)
    state = phone.state
    assert state.unregistered and state.exit_code == 0, phone.diagnostics()
    assert await endpoint_state(line) == "offline"


async def test_phone_that_does_not_answer(stack: Stack, line: CallerLine, tmp_path: Path) -> None:
    async with admin_phone(stack, tmp_path, handling=NO_ANSWER) as phone:
        channel_id = await ring_admin(line, timeout_s=2)
        ringing = await line.wait_event("ChannelStateChange", "channel", channel_id)
        assert ringing["channel"]["state"] == "Ringing"
        destroyed = await line.wait_event("ChannelDestroyed", "channel", channel_id)
        assert destroyed["cause"] == 19, destroyed  # no answer
        (call_id,) = await phone.cancelled(timeout=10)
        assert call_id == ringing["channel"]["protocol_id"]
        assert phone.state.answered == ()
    assert phone.state.exit_code == 0, phone.diagnostics()


async def test_phone_hangs_up_when_told_and_when_stopped(
    stack: Stack, line: CallerLine, tmp_path: Path
) -> None:
    async with admin_phone(stack, tmp_path) as phone:
        first = await ring_admin(line, timeout_s=10)
        await line.wait_event("StasisStart", "channel", first)
        (first_call,) = await phone.answered()
        await phone.hang_up()
        await line.wait_event("ChannelDestroyed", "channel", first)
        second = await ring_admin(line, timeout_s=10)
        await line.wait_event("StasisStart", "channel", second)
        await phone.answered(2)
    # Leaving the block hung up the call in progress before un-REGISTERing.
    await line.wait_event("ChannelDestroyed", "channel", second)
    state = phone.state
    assert state.ended == ((first_call, "phone"), (state.answered[1], "phone"))
    assert state.unregistered and state.exit_code == 0, phone.diagnostics()


async def test_phone_rings_answers_and_hangs_up_itself(
    stack: Stack, line: CallerLine, tmp_path: Path
) -> None:
    handling = CallHandling(ring_ms=500, hold_ms=1000)
    async with admin_phone(stack, tmp_path, handling=handling) as phone:
        channel_id = await ring_admin(line, timeout_s=10)
        await line.wait_event("StasisStart", "channel", channel_id)
        (call_id,) = await phone.answered()
        await line.wait_event("ChannelDestroyed", "channel", channel_id)  # we did not hang up
        assert await phone.ended() == ((call_id, "phone"),)
    assert phone.state.exit_code == 0, phone.diagnostics()


async def test_busy_phone(stack: Stack, line: CallerLine, tmp_path: Path) -> None:
    async with admin_phone(stack, tmp_path, handling=BUSY) as phone:
        channel_id = await ring_admin(line, timeout_s=10)
        destroyed = await line.wait_event("ChannelDestroyed", "channel", channel_id)
        assert destroyed["cause"] == 17, destroyed  # user busy
        (call_id,) = await phone.rejected()
        assert phone.state.offered == (call_id,) and phone.state.answered == ()
    assert phone.state.exit_code == 0, phone.diagnostics()


async def test_phone_dials_a_feature_code_and_presses_keys(
    service: Service, stack: Stack, recorder: EventRecorder, line: CallerLine, tmp_path: Path
) -> None:
    """The phone's own calls: INVITE as its extension (digest auth), keys by SIP INFO."""
    name = f"Phone {uuid.uuid4().hex[:8]}"
    async with admin_phone(stack, tmp_path) as phone:
        dialled = phone.dial(
            "*77",
            local_port=free_udp_port(),
            media_port=free_udp_port(even=True),
            display_name=name,
        )
        async with dialled as call:
            started = await wait_for_session(recorder, name)
            assert started.details["endpoint"] == "PJSIP/admin"
            await call.press("9")  # the recorder listens from its start: no key is lost
            invalid = await recorder.wait_for(started.call_id, "prompt_input_invalid")
            assert invalid.details == {"question": "language", "keyed": "9"}
            assert await endpoint_state(line) == "online"  # its own call changed nothing
        assert call.state.pressed == ("9",) and await call.ended() == "phone"
        assert call.state.exit_code == 0, call.diagnostics()
    ended = await recorder.wait_for(started.call_id, "prompt_session_ended")
    assert ended.details == {"outcome": "hangup"}
