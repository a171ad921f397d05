"""Callers on the trunk: one scenario per call, so each carries its own keys.

Keys go by SIP INFO (application/dtmf-relay), one request per key; the IVR takes type-ahead, so
keys can follow the ACK at once. Used by the integration tests and the benchmark.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.sipp.phone import OutgoingCall
from tests.sipp.process import sipp_command, write_scenario
from tests.sipp.scenario import Identity, Scenario


@dataclass(frozen=True, kw_only=True)
class CallerScript:
    keys: str
    hold_ms: int
    name: str = "SIPp Caller"
    number: str = "6085551234"
    first_key_ms: int = 300
    between_keys_ms: int = 120


def caller_scenario(script: CallerScript) -> Scenario:
    """INVITE the number (no authentication: the trunk trusts 127.0.0.1), press the keys,
    stay `hold_ms`, hang up."""
    identity = Identity(user=script.number, display_name=script.name)
    return (
        Scenario("ccc caller", identity=identity)
        .invite()
        .ack()
        .keys(script.keys, first_ms=script.first_key_ms, between_ms=script.between_keys_ms)
        .pause(script.hold_ms)
        .bye()
    )


def scenario(script: CallerScript) -> str:
    """The caller's scenario file text."""
    return caller_scenario(script).render()


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
    return sipp_command(
        scenario_file,
        target=target,
        service=service,
        local_port=local_port,
        media_port=media_port,
        calls=calls,
        concurrency=concurrency,
        rate=rate,
        timeout_s=timeout_s,
        trace_dir=trace_dir,
    )


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
    """One SIPp caller, to completion; the result's returncode is 0 when the call succeeded.
    Blocking (run it in a thread); `run_scenario(caller_scenario(...))` is the asyncio form."""
    path = write_scenario(caller_scenario(script), workdir / f"caller-{local_port}.xml")
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


def trunk_call(
    *,
    target: str,
    number: str,
    workdir: Path,
    local_port: int,
    media_port: int,
    caller: str = "6085551234",
    name: str = "SIPp Caller",
    rtp_port: int | None = None,
    timeout_s: int = 120,
) -> OutgoingCall:
    """A caller from outside (the trunk trusts 127.0.0.1: no digest), steered like a phone's
    own call: keys when the test says, BYE when it leaves the block; its audio an `RtpParty`'s
    when given its `rtp_port`."""
    return OutgoingCall(
        target=target,
        number=number,
        identity=Identity(user=caller, display_name=name, rtp_port=rtp_port),
        credentials=None,
        local_port=local_port,
        media_port=media_port,
        workdir=workdir,
        timeout_s=timeout_s,
    )
