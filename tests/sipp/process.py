"""Running SIPp: its command line (the options every run of ours needs, in one place) and one
scenario run to completion from asyncio."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.sipp.scenario import Scenario

LOCAL_IP = "127.0.0.1"


def sipp_command(
    scenario_file: Path,
    *,
    target: str,
    local_port: int,
    media_port: int,
    service: str | None = None,
    calls: int = 1,
    concurrency: int = 1,
    rate: int = 10,
    timeout_s: int = 60,
    trace_dir: Path | None = None,
    extra: Sequence[str] = (),
) -> list[str]:
    """SIPp as we always run it: on 127.0.0.1 from its own SIP and media ports (a call that
    aborted keeps Asterisk retransmitting to its port for 32 s: give every run fresh ones), no
    keyboard (`-nostdin`), a global timeout that counts as failure, and `-aa` (200 to the INFO,
    NOTIFY, OPTIONS and UPDATE Asterisk may send mid-call: keys an agent presses reach the
    caller as INFO, and without it SIPp aborts the call)."""
    command = ["sipp", target, "-sf", str(scenario_file)]
    if service is not None:
        command += ["-s", service]
    command += [
        "-i",
        LOCAL_IP,
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
        "-aa",
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
            "-stf",
            str(trace_dir / "stat.csv"),
            "-trace_err",
            "-error_file",
            str(trace_dir / "errors.log"),
        ]
    return command + list(extra)


@dataclass(frozen=True)
class SippRun:
    """How one SIPp run ended. SIPp exits 0 when every call succeeded, 1 when one failed, and
    other codes for its own errors (99: no call processed, 255: fatal, e.g. a port in use)."""

    returncode: int
    stdout: str
    stderr: str
    errors: str  # SIPp's -error_file: unexpected messages, retransmission timeouts

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def describe(self) -> str:
        """The end of what SIPp said, for an assertion message."""
        return (
            f"sipp exited {self.returncode}\n--- errors\n{self.errors[-2000:]}\n"
            f"--- stderr\n{self.stderr[-2000:]}\n--- stdout\n{self.stdout[-1500:]}"
        )


def write_scenario(scenario: Scenario, path: Path) -> Path:
    path.write_text(scenario.render(), encoding="iso-8859-1", errors="replace")
    return path


async def run_scenario(
    scenario: Scenario,
    workdir: Path,
    *,
    target: str,
    local_port: int,
    media_port: int,
    service: str | None = None,
    timeout_s: int = 60,
) -> SippRun:
    """One call by `scenario` (a caller's, usually), to its end. SIPp's own `-timeout` bounds
    it; a SIPp that outlives that by 15 s is killed (and reported as exit -9)."""
    tag = f"{local_port}"
    path = write_scenario(scenario, workdir / f"sipp-{tag}.xml")
    trace_dir = workdir / f"sipp-{tag}"
    trace_dir.mkdir(exist_ok=True)
    command = sipp_command(
        path,
        target=target,
        service=service,
        local_port=local_port,
        media_port=media_port,
        timeout_s=timeout_s,
        trace_dir=trace_dir,
    )
    process = await asyncio.create_subprocess_exec(
        *command,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=workdir,
    )
    try:
        async with asyncio.timeout(timeout_s + 15):
            stdout, stderr = await process.communicate()
    except TimeoutError:
        process.kill()
        stdout, stderr = await process.communicate()
    errors_file = trace_dir / "errors.log"
    errors = errors_file.read_text(errors="replace") if errors_file.exists() else ""
    return SippRun(
        returncode=process.returncode if process.returncode is not None else -1,
        stdout=stdout.decode(errors="replace"),
        stderr=stderr.decode(errors="replace"),
        errors=errors,
    )
