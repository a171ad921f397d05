"""SIPp scenarios for callers on the trunk: made per call so each carries its own keys.

Keys go by SIP INFO (application/dtmf-relay), one request per key; the IVR takes type-ahead, so
keys can follow the ACK at once. Used by the integration tests and the benchmark.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

_HEAD = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="ccc caller">
  <send retrans="500"><![CDATA[
INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "{name}" <sip:{number}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: sip:{number}@[local_ip]:[local_port]
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=caller 53655765 2353687637 IN IP[local_ip_type] [local_ip]
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
From: "{name}" <sip:{number}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 1 ACK
Contact: sip:{number}@[local_ip]:[local_port]
Max-Forwards: 70
Content-Length: 0
]]></send>
"""

_KEY = """  <pause milliseconds="{pause}"/>
  <send retrans="500"><![CDATA[
INFO sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "{name}" <sip:{number}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: {cseq} INFO
Contact: sip:{number}@[local_ip]:[local_port]
Max-Forwards: 70
Content-Type: application/dtmf-relay
Content-Length: [len]

Signal={key}
Duration=160
]]></send>
  <recv response="200"/>
"""

_TAIL = """  <pause milliseconds="{hold}"/>
  <send retrans="500"><![CDATA[
BYE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "{name}" <sip:{number}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 999 BYE
Contact: sip:{number}@[local_ip]:[local_port]
Max-Forwards: 70
Content-Length: 0
]]></send>
  <recv response="200" crlf="true"/>
</scenario>
"""


@dataclass(frozen=True, kw_only=True)
class CallerScript:
    keys: str
    hold_ms: int
    name: str = "SIPp Caller"
    number: str = "6085551234"
    first_key_ms: int = 300
    between_keys_ms: int = 120


def scenario(script: CallerScript) -> str:
    name = escape(script.name.replace('"', "'"))
    number = escape(script.number)
    parts = [_HEAD.format(name=name, number=number)]
    for index, key in enumerate(script.keys):
        pause = script.first_key_ms if index == 0 else script.between_keys_ms
        parts.append(_KEY.format(name=name, number=number, key=key, cseq=index + 2, pause=pause))
    parts.append(_TAIL.format(name=name, number=number, hold=script.hold_ms))
    return "".join(parts)


def caller_command(
    scenario_file: Path,
    *,
    target: str,
    service: str,
    local_port: int,
    media_port: int,
    calls: int = 1,
    concurrency: int = 1,
    rate: int = 10,
    timeout_s: int = 60,
    trace_dir: Path | None = None,
) -> list[str]:
    command = [
        "sipp",
        target,
        "-sf",
        str(scenario_file),
        "-s",
        service,
        "-i",
        "127.0.0.1",
        "-p",
        str(local_port),
        "-mp",
        str(media_port),
        "-m",
        str(calls),
        "-l",
        str(concurrency),
        "-r",
        str(rate),
        "-nostdin",
        "-timeout",
        f"{timeout_s}s",
        "-timeout_error",
        "-max_recv_loops",
        "10000",
    ]
    if trace_dir is not None:
        command += [
            "-trace_stat",
            "-trace_err",
            "-stf",
            str(trace_dir / "stat.csv"),
            "-error_file",
            str(trace_dir / "errors.log"),
        ]
    return command


def run_caller(
    script: CallerScript,
    workdir: Path,
    *,
    target: str,
    service: str,
    local_port: int,
    media_port: int,
    timeout_s: int = 60,
) -> subprocess.CompletedProcess[str]:
    """One SIPp caller, to completion; the result's returncode is 0 when the call succeeded."""
    path = workdir / f"caller-{local_port}.xml"
    path.write_text(scenario(script), encoding="iso-8859-1", errors="replace")
    command = caller_command(
        path,
        target=target,
        service=service,
        local_port=local_port,
        media_port=media_port,
        timeout_s=timeout_s,
    )
    return subprocess.run(
        command, capture_output=True, text=True, timeout=timeout_s + 15, check=False, cwd=workdir
    )
