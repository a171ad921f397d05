"""The real admin phone: SIPp as the `admin` SIP endpoint (digest auth) dials *77 and reaches
the prompt recorder, from the context the endpoint is configured with."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

from ccc_telephony.app import Service
from ccc_telephony.devstack.stack import Stack
from ccc_telephony.store.events import CallEvent
from tests.integration.support.ports import free_udp_port
from tests.integration.support.recorder import EventRecorder, event_where
from tests.sipp import Credentials, Identity, Scenario, run_scenario


async def test_admin_sip_phone_dials_star_77(
    service: Service, stack: Stack, recorder: EventRecorder, tmp_path: Path
) -> None:
    name = f"Admin {uuid.uuid4().hex[:8]}"
    password = (stack.inst.secrets_dir / "admin-password").read_text().strip()
    # Challenged with a 401, sent again with digest credentials; held a few seconds, hung up.
    call = (
        Scenario("ccc admin phone", identity=Identity(user="admin", display_name=name))
        .invite(auth=Credentials("admin", password))
        .ack()
        .pause(3000)
        .bye()
    )
    caller = asyncio.create_task(
        run_scenario(
            call,
            tmp_path,
            target=f"127.0.0.1:{stack.inst.ports.sip}",
            service="*77",
            local_port=free_udp_port(),
            media_port=free_udp_port(even=True),
            timeout_s=30,
        )
    )
    started = await wait_for_session(recorder, name)
    assert started.details["endpoint"] == "PJSIP/admin"
    result = await caller
    assert result.ok, result.describe()
    ended = await recorder.wait_for(started.call_id, "prompt_session_ended")
    assert ended.details == {"outcome": "hangup"}


async def wait_for_session(
    recorder: EventRecorder, caller_name: str, timeout: float = 20
) -> CallEvent:
    """The admin session started by the SIP call whose caller ID name only this test uses."""
    return await event_where(
        recorder, "prompt_session_started", timeout=timeout, caller_name=caller_name
    )
