"""One SIPp process per level: N callers at once, each keying the same script at fixed times.

Why not the per-call scenarios of devstack's SIPp helpers: a load level needs one SIPp process
running N calls (`-m N -l N`), each call with its own caller number (so a call can be found
again in the database and in Asterisk's log), and a timestamp written by SIPp itself just
before each key whose latency we measure. Keys go by SIP INFO (application/dtmf-relay), as in
the product's SIP tests.

The script is the same for both paths and is paced like a caller who listens: a key 1.6 s into
the language menu, 2 s into the main menu, the case number 2 s into its prompt (four keys a
second), then the "thank you" and "connecting" prompts and about six seconds of music in the
queue before hanging up: about 25 s from INVITE to BYE. Keys therefore arrive while the prompt
they answer is playing (no type-ahead), so both IVRs play the same prompts for the same time
and the media cost per call is comparable.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from tests.sipp import sipp_command

DTMF_MS = 100  # Duration= of each INFO: a typical key press
DIGIT_GAP_MS = 250  # between the digits of the case number (about 4 keys a second)
# (pause before the key in ms, key, the prompt that must start next or "" if none is measured)
Step = tuple[int, str, str]


@dataclass(frozen=True, kw_only=True)
class CallerPlan:
    """What every caller of a level does; `steps` are timed from the ACK."""

    name: str  # the caller ID name shared by a level's calls (the database finds them by it)
    number_prefix: str  # caller number = prefix + SIPp's call number
    steps: tuple[Step, ...]
    hold_ms: int  # after the last key, until the BYE (the prompts, then music in the queue)
    # Set for callers who wait for an agent: after the last key, wait up to this long for the
    # BYE that ends an answered call (the agent hangs up), then give up and hang up.
    answer_wait_ms: int | None = None

    @property
    def measured(self) -> list[tuple[int, str]]:
        """(step index, prompt that must follow) for the keys whose latency is measured."""
        return [(index, nxt) for index, (_, _, nxt) in enumerate(self.steps) if nxt]


def ivr_plan(
    name: str, number_prefix: str, *, menu_key: str = "1", answer_wait_ms: int | None = None
) -> CallerPlan:
    """greeting -> language 1 (English) -> menu 1 (EBD; 2 Family) -> case number + # -> queue."""
    case = "1234567890"
    steps: list[Step] = [(5500, "1", "main_menu"), (2000, menu_key, "identify_prompt")]
    steps += [(2000 if i == 0 else DIGIT_GAP_MS, digit, "") for i, digit in enumerate(case)]
    steps.append((DIGIT_GAP_MS, "#", "identify_thanks"))
    # identify_thanks (1.1 s) and connecting (5.7 s) play in full, then ~6 s in the queue: time
    # enough for an IVR running a few seconds late under load to still hand the caller over.
    return CallerPlan(
        name=name,
        number_prefix=number_prefix,
        steps=tuple(steps),
        hold_ms=13000,
        answer_wait_ms=answer_wait_ms,
    )


_HEAD = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="ccc bench caller">
  <send retrans="500" start_rtd="setup"><![CDATA[
INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "{name}" <sip:{prefix}[call_number]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: sip:{prefix}[call_number]@[local_ip]:[local_port]
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
  <recv response="200" rtd="setup"/>
  <send><![CDATA[
ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "{name}" <sip:{prefix}[call_number]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 1 ACK
Contact: sip:{prefix}[call_number]@[local_ip]:[local_port]
Max-Forwards: 70
Content-Length: 0
]]></send>
"""

_STAMP = """  <nop><action>
    <gettimeofday assign_to="sec,usec"/>
    <log message="key [call_number] {index} [$sec] [$usec]"/>
  </action></nop>
"""

_KEY = """  <pause milliseconds="{pause}"/>
{stamp}  <send retrans="500"><![CDATA[
INFO sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "{name}" <sip:{prefix}[call_number]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: {cseq} INFO
Contact: sip:{prefix}[call_number]@[local_ip]:[local_port]
Max-Forwards: 70
Content-Type: application/dtmf-relay
Content-Length: [len]

Signal={key}
Duration={duration}
]]></send>
  <recv response="200"/>
"""

# The caller hangs up, and the script is done.
_HANG_UP = """  <send retrans="500"><![CDATA[
BYE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "{name}" <sip:{prefix}[call_number]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 999 BYE
Contact: sip:{prefix}[call_number]@[local_ip]:[local_port]
Max-Forwards: 70
Content-Length: 0
]]></send>
  <recv response="200" crlf="true"/>
"""
_DONE = """  <nop><action><log message="done [call_number]"/></action></nop>
</scenario>
"""

_TAIL = '  <pause milliseconds="{hold}"/>\n' + _HANG_UP + _DONE

# The caller who waits for an agent: the agent's hang-up reaches the caller as Asterisk's BYE
# ("answered"); a caller nobody answered in time hangs up.
_ANSWERED_TAIL = (
    """  <recv request="BYE" timeout="{wait}" ontimeout="abandon"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:{prefix}[call_number]@[local_ip]:[local_port]>
Content-Length: 0
]]></send>
  <nop next="finish"><action><log message="answered [call_number]"/></action></nop>
  <label id="abandon"/>
"""
    + _HANG_UP
    + '  <label id="finish"/>\n'
    + _DONE
)


def scenario(plan: CallerPlan) -> str:
    fields = {"name": escape(plan.name.replace('"', "'")), "prefix": escape(plan.number_prefix)}
    parts = [_HEAD.format(**fields)]
    measured = {index for index, _ in plan.measured}
    for index, (pause, key, _) in enumerate(plan.steps):
        stamp = _STAMP.format(index=index) if index in measured else ""
        parts.append(
            _KEY.format(
                **fields, pause=pause, stamp=stamp, key=key, cseq=index + 2, duration=DTMF_MS
            )
        )
    if plan.answer_wait_ms is None:
        parts.append(_TAIL.format(**fields, hold=plan.hold_ms))
    else:
        parts.append(_ANSWERED_TAIL.format(**fields, wait=plan.answer_wait_ms))
    return "".join(parts)


def command(
    scenario_file: Path,
    workdir: Path,
    *,
    target: str,
    service: str,
    calls: int,
    rate_calls: int,
    rate_period_ms: int,
    local_port: int,
    media_port: int,
    timeout_s: int,
    extra: list[str] | None = None,
) -> list[str]:
    """SIPp placing `calls` calls, `rate_calls` per `rate_period_ms`, all up at once at the top:
    the project's usual SIPp command, with the bench's logs and larger loops and buffers (the
    later `-max_recv_loops` overrides the usual one)."""
    return sipp_command(
        scenario_file,
        target=target,
        local_port=local_port,
        media_port=media_port,
        service=service,
        calls=calls,
        concurrency=calls,
        rate=rate_calls,
        timeout_s=timeout_s,
        trace_dir=workdir,
        extra=[
            "-rp",
            str(rate_period_ms),
            "-max_recv_loops",
            "100000",
            "-max_sched_loops",
            "100000",
            "-buff_size",
            str(4 * 1024 * 1024),
            "-trace_logs",
            "-log_file",
            str(workdir / "calls.log"),
            "-fd",
            "1",
            "-trace_screen",
            "-screen_file",
            str(workdir / "screen.log"),
            *(extra or []),
        ],
    )


@dataclass(frozen=True)
class SippResult:
    returncode: int
    successful: int
    failed: int
    key_times: dict[tuple[int, int], float]  # (call number, step index) -> UNIX time of the key
    done: set[int]  # call numbers that reached the end of the script
    answered: set[int]  # call numbers an agent answered (answer_wait_ms plans only)
    failure_reasons: dict[str, int]
    output: str


def run(cmd: list[str], workdir: Path, *, timeout_s: int) -> SippResult:
    proc = subprocess.run(
        cmd, cwd=workdir, capture_output=True, text=True, timeout=timeout_s + 60, check=False
    )
    key_times: dict[tuple[int, int], float] = {}
    done: set[int] = set()
    answered: set[int] = set()
    for line in _lines(workdir / "calls.log"):
        parts = line.split()
        if len(parts) == 5 and parts[0] == "key":
            key_times[(int(parts[1]), int(parts[2]))] = float(parts[3]) + float(parts[4]) / 1e6
        elif len(parts) == 2 and parts[0] in ("done", "answered"):
            (done if parts[0] == "done" else answered).add(int(parts[1]))
    successful, failed = _totals(workdir / "stat.csv")
    return SippResult(
        returncode=proc.returncode,
        successful=successful,
        failed=failed,
        key_times=key_times,
        done=done,
        answered=answered,
        failure_reasons=_failure_reasons(workdir / "stat.csv"),
        output=(proc.stdout[-1500:] + proc.stderr[-1500:]).strip(),
    )


def _lines(path: Path) -> Iterator[str]:
    if path.exists():
        with path.open(encoding="iso-8859-1") as handle:
            yield from handle


def _last_stats(path: Path) -> dict[str, str]:
    lines = list(_lines(path))
    if len(lines) < 2:
        return {}
    header = lines[0].rstrip("\n").split(";")
    return dict(zip(header, lines[-1].rstrip("\n").split(";"), strict=False))


def _totals(path: Path) -> tuple[int, int]:
    stats = _last_stats(path)
    return int(stats.get("SuccessfulCall(C)", 0) or 0), int(stats.get("FailedCall(C)", 0) or 0)


_FAILED = re.compile(r"^Failed(.+)\(C\)$")


def _failure_reasons(path: Path) -> dict[str, int]:
    """SIPp's cumulative failure counters that are not zero (e.g. UnexpectedMessage: 3)."""
    reasons = {}
    for key, value in _last_stats(path).items():
        match = _FAILED.match(key)
        if match and match.group(1) != "Call" and value.strip() not in ("", "0"):
            reasons[match.group(1)] = int(value)
    return reasons
