"""The real admin phone: SIPp as the `admin` SIP endpoint (digest auth) dials *77 and reaches
the prompt recorder, from the context the endpoint is configured with."""

from __future__ import annotations

import asyncio
import subprocess
import uuid
from pathlib import Path

from ccc_telephony.app import Service
from ccc_telephony.devstack.stack import Stack
from ccc_telephony.store.events import CallEvent
from tests.integration.support.recorder import EventRecorder

# An INVITE answered with a digest challenge, sent again with credentials (SIPp's
# [authentication] from -au/-ap), then held a few seconds and hung up.
_ADMIN_CALL = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="ccc admin phone">
  <send retrans="500"><![CDATA[
INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "{name}" <sip:admin@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: sip:admin@[local_ip]:[local_port]
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=admin 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000
]]></send>
  <recv response="100" optional="true"/>
  <recv response="401" auth="true"/>
  <send><![CDATA[
ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
[last_Via:]
[last_From:]
[last_To:]
Call-ID: [call_id]
CSeq: 1 ACK
Contact: sip:admin@[local_ip]:[local_port]
Max-Forwards: 70
Content-Length: 0
]]></send>
  <send retrans="500"><![CDATA[
INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "{name}" <sip:admin@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 2 INVITE
Contact: sip:admin@[local_ip]:[local_port]
[authentication]
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=admin 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000
]]></send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rtd="true"/>
  <send><![CDATA[
ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "{name}" <sip:admin@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 2 ACK
Contact: sip:admin@[local_ip]:[local_port]
Max-Forwards: 70
Content-Length: 0
]]></send>
  <pause milliseconds="3000"/>
  <send retrans="500"><![CDATA[
BYE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "{name}" <sip:admin@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 3 BYE
Contact: sip:admin@[local_ip]:[local_port]
Max-Forwards: 70
Content-Length: 0
]]></send>
  <recv response="200" crlf="true"/>
</scenario>
"""


async def test_admin_sip_phone_dials_star_77(
    service: Service, stack: Stack, recorder: EventRecorder, tmp_path: Path
) -> None:
    name = f"Admin {uuid.uuid4().hex[:8]}"
    scenario = tmp_path / "admin.xml"
    scenario.write_text(_ADMIN_CALL.format(name=name), encoding="iso-8859-1")
    password = (stack.inst.secrets_dir / "admin-password").read_text().strip()
    command = [
        "sipp",
        f"127.0.0.1:{stack.inst.ports.sip}",
        "-sf",
        str(scenario),
        "-s",
        "*77",
        "-au",
        "admin",
        "-ap",
        password,
        "-i",
        "127.0.0.1",
        "-p",
        "5479",
        "-mp",
        "16490",
        "-m",
        "1",
        "-nostdin",
        "-timeout",
        "30s",
        "-timeout_error",
    ]
    caller = asyncio.create_task(
        asyncio.to_thread(
            subprocess.run,
            command,
            capture_output=True,
            text=True,
            timeout=45,
            check=False,
            cwd=tmp_path,
        )
    )
    started = await wait_for_session(recorder, name)
    assert started.details["endpoint"] == "PJSIP/admin"
    result = await caller
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    ended = await recorder.wait_for(started.call_id, "prompt_session_ended")
    assert ended.details == {"outcome": "hangup"}


async def wait_for_session(
    recorder: EventRecorder, caller_name: str, timeout: float = 20
) -> CallEvent:
    """The admin session started by the SIP call whose caller ID name only this test uses."""

    def found() -> CallEvent | None:
        for events in list(recorder.events.values()):
            for event in events:
                if (
                    event.name == "prompt_session_started"
                    and event.details.get("caller_name") == caller_name
                ):
                    return event
        return None

    async with asyncio.timeout(timeout), recorder._changed:
        await recorder._changed.wait_for(lambda: found() is not None)
    event = found()
    assert event is not None
    return event
