"""One SIPp process followed from asyncio: what its scenarios report, as they report it, and
signals to steer them.

What happened: every step worth waiting for writes a line with SIPp's `<log>` action
("registered CALL-ID", "answered CALL-ID", "pressed CALL-ID 9", ...). SIPp writes them to a
pipe we hand it as its `-log_file` (/dev/fd/N) and flushes each line, so we read them as they
happen: no polling and no sleeping. The pipe's end is SIPp's exit.

Steering: a *signal* is a request to SIPp's own SIP port on the Call-ID of the scenario that
waits for it (`Scenario.receive_request`, `hold(until_request=...)`, `keys_when_told`). A
process signal could only kill SIPp, and a phone that vanishes without un-REGISTERing (or
a call without BYE) leaves Asterisk believing otherwise.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType
from typing import Self

from tests.sipp.process import LOCAL_IP, sipp_command, write_scenario
from tests.sipp.scenario import Scenario


@dataclass(frozen=True)
class MessageSummary:
    """One message-waiting NOTIFY a phone answered: its Messages-Waiting and Voice-Message."""

    waiting: bool
    new: int
    old: int

    @classmethod
    def parse(cls, detail: str) -> MessageSummary | None:
        match = _SUMMARY.search(detail)
        if match is None:
            return None
        return cls(match.group(1) == "yes", int(match.group(2) or 0), int(match.group(3) or 0))


_SUMMARY = re.compile(r"Messages-Waiting: *(yes|no)(?: +Voice-Message: *([0-9]+)/([0-9]+))?")


@dataclass(frozen=True)
class SippState:
    """What a SIPp process reported so far (Call-IDs in order of the events)."""

    registered: str | None = None  # the registration's Call-ID, once the 200 came
    unregistered: bool = False
    offered: tuple[str, ...] = ()  # INVITEs received
    answered: tuple[str, ...] = ()  # calls up: ours answered, or theirs answered by us
    ended: tuple[tuple[str, str], ...] = ()  # (Call-ID, who hung up: "phone" or "far")
    cancelled: tuple[str, ...] = ()
    rejected: tuple[str, ...] = ()
    pressed: tuple[str, ...] = ()  # keys sent by INFO on a runner's signal
    referred: tuple[str, ...] = ()  # Call-IDs of REFERs Asterisk accepted (202)
    dialog: tuple[str, str, str] | None = None  # the call we placed: Call-ID, our tag, theirs
    media: tuple[tuple[str, int], ...] = ()  # (Call-ID, the RTP port the other side's SDP named)
    summaries: tuple[MessageSummary, ...] = ()  # message-waiting NOTIFYs, in order
    exit_code: int | None = None  # once SIPp has exited

    @property
    def talking(self) -> tuple[str, ...]:
        """Call-IDs of the calls up and not yet ended."""
        done = {call_id for call_id, _ in self.ended}
        return tuple(call_id for call_id in self.answered if call_id not in done)

    def after(self, line: str) -> SippState:
        """The state once SIPp has logged `line` ("word call-id [detail]"; others ignored)."""
        word, _, rest = line.strip().partition(" ")
        call_id, _, detail = rest.partition(" ")
        match word:
            case "registered":
                return replace(self, registered=call_id)
            case "unregistered":
                return replace(self, unregistered=True)
            case "offered":
                return replace(self, offered=(*self.offered, call_id))
            case "answered":
                ours, _, theirs = detail.partition(" ")
                dialog = (call_id, ours, theirs.removeprefix(";tag=")) if theirs else self.dialog
                return replace(self, answered=(*self.answered, call_id), dialog=dialog)
            case "ended":
                return replace(self, ended=(*self.ended, (call_id, detail)))
            case "cancelled":
                return replace(self, cancelled=(*self.cancelled, call_id))
            case "rejected":
                return replace(self, rejected=(*self.rejected, call_id))
            case "pressed":
                return replace(self, pressed=(*self.pressed, detail))
            case "referred":
                return replace(self, referred=(*self.referred, call_id))
            case "mwi" if (summary := MessageSummary.parse(detail)) is not None:
                return replace(self, summaries=(*self.summaries, summary))
            case "media" if detail.split(" ")[0].isdigit():
                return replace(self, media=(*self.media, (call_id, int(detail.split(" ")[0]))))
        return self


class SippError(Exception):
    """SIPp ended (or never started) before what was awaited."""


class SippProcess:
    """One SIPp, its reports (`state`) and its traces in `files`."""

    def __init__(self, name: str, *, files: Path, local_port: int) -> None:
        self.name = name
        self.files = files
        self.local_port = local_port
        self._state = SippState()
        self._changed = asyncio.Condition()
        self._process: asyncio.subprocess.Process | None = None
        self._watcher: asyncio.Task[None] | None = None
        self._stderr = b""

    @property
    def state(self) -> SippState:
        return self._state

    @property
    def started(self) -> bool:
        return self._process is not None

    async def start(
        self,
        main: Scenario,
        *,
        target: str,
        media_port: int,
        timeout_s: int,
        service: str | None = None,
        out_of_call: Scenario | None = None,
    ) -> None:
        """Run `main` (once), and `out_of_call` for every call SIPp did not start (`-oocsf`),
        their `<log>` lines to our pipe, SIPp's traces into `files`."""
        if self._process is not None:
            raise RuntimeError(f"{self.name}: SIPp starts once")
        self.files.mkdir(parents=True, exist_ok=True)
        extra = ["-trace_logs"]
        if out_of_call is not None:
            extra += ["-oocsf", str(write_scenario(out_of_call, self.files / "out-of-call.xml"))]
        for trace, option in (("msg", "-message_file"), ("err", "-error_file")):
            extra += [f"-trace_{trace}", option, str(self.files / f"{trace}.log")]
        extra += ["-trace_screen", "-screen_file", str(self.files / "screen.log")]
        read_fd, write_fd = os.pipe()
        try:
            command = sipp_command(
                write_scenario(main, self.files / "main.xml"),
                target=target,
                service=service,
                local_port=self.local_port,
                media_port=media_port,
                timeout_s=timeout_s,
                extra=[*extra, "-log_file", f"/dev/fd/{write_fd}"],
            )
            self._process = await asyncio.create_subprocess_exec(
                *command,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
                cwd=self.files,
                pass_fds=(write_fd,),
            )
        except BaseException:
            os.close(read_fd)
            raise
        finally:
            os.close(write_fd)  # SIPp holds the only writer: its exit is the pipe's end
        self._watcher = asyncio.create_task(self._watch(self._process, read_fd))

    async def wait(
        self, condition: Callable[[SippState], bool], what: str, *, timeout: float = 15
    ) -> SippState:
        """Until `condition(state)` holds. SippError if SIPp exits first (with what it said),
        TimeoutError (naming `what` and the state) if `timeout` passes."""
        try:
            async with asyncio.timeout(timeout), self._changed:
                await self._changed.wait_for(
                    lambda: condition(self._state) or self._state.exit_code is not None
                )
        except TimeoutError:
            raise TimeoutError(f"{self.name}: no {what} in {timeout}s; {self._state}") from None
        if not condition(self._state):
            raise SippError(f"{self.name}: SIPp ended before {what}\n" + self.diagnostics())
        return self._state

    async def exited(self, timeout: float) -> bool:
        """Whether SIPp exits (by itself) within `timeout`."""
        try:
            await self.wait(lambda s: s.exit_code is not None, "exit", timeout=timeout)
        except TimeoutError:
            return False
        return True

    def signal(self, call_id: str, method: str, *, body: str = "") -> None:
        """A request to SIPp's port on `call_id`, for the scenario waiting for it there. UDP on
        the loopback: sent at once, never lost. SIPp sends nothing back (the scenario takes it
        without a reply)."""
        content = f"Content-Type: text/plain\r\nContent-Length: {len(body)}\r\n\r\n{body}"
        message = (
            f"{method} sip:sipp@{LOCAL_IP}:{self.local_port} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP {LOCAL_IP}:9;branch=z9hG4bK-ccc-signal-{uuid.uuid4().hex[:12]}\r\n"
            f"From: <sip:runner@{LOCAL_IP}>;tag=ccc-signal\r\n"
            f"To: <sip:sipp@{LOCAL_IP}:{self.local_port}>\r\n"
            f"Call-ID: {call_id}\r\n"
            f"CSeq: 1 {method}\r\n"
            "Max-Forwards: 70\r\n" + content
        )
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.sendto(message.encode(), (LOCAL_IP, self.local_port))

    async def finish(self) -> SippState:
        """Terminate SIPp if it still runs (only this process, by its pid) and collect it."""
        process = self._process
        if process is None or self._watcher is None:
            return self._state
        if process.returncode is None:
            process.terminate()
            try:
                async with asyncio.timeout(5):
                    await process.wait()
            except TimeoutError:
                process.kill()
        await self._watcher
        return self._state

    def diagnostics(self) -> str:
        """What SIPp said: exit code, stderr, its error log, the end of its message trace."""
        parts = [f"exit code {self._state.exit_code}", self._stderr.decode(errors="replace")]
        for name, size in (("err.log", 3000), ("msg.log", 4000)):
            path = self.files / name
            if path.exists():
                parts.append(f"--- {name}\n" + path.read_text(errors="replace")[-size:])
        return "\n".join(parts)

    async def _watch(self, process: asyncio.subprocess.Process, read_fd: int) -> None:
        """Feed SIPp's log lines into the state until the pipe ends; then record the exit."""
        assert process.stderr is not None
        stderr = asyncio.create_task(process.stderr.read())
        lines = asyncio.StreamReader()
        transport, _ = await asyncio.get_running_loop().connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(lines), os.fdopen(read_fd, "rb", buffering=0)
        )
        try:
            while line := await lines.readline():
                await self._set(self._state.after(line.decode(errors="replace")))
        finally:
            transport.close()
            code = await process.wait()
            self._stderr = await stderr
            await self._set(replace(self._state, exit_code=code))

    async def _set(self, state: SippState) -> None:
        async with self._changed:
            self._state = state
            self._changed.notify_all()


class SippDriven(ABC):
    """Something SIPp plays for a test (a phone, a call): `async with` starts it and waits
    until it is `ready()`; leaving the block `close()`s it gracefully (un-REGISTER, BYE),
    or, when the block raised, just ends SIPp so the first error stays the one reported."""

    _sipp: SippProcess

    @property
    def state(self) -> SippState:
        return self._sipp.state

    @property
    def files(self) -> Path:
        """Its scenarios and SIPp's traces (msg.log, err.log, screen.log)."""
        return self._sipp.files

    def diagnostics(self) -> str:
        return self._sipp.diagnostics()

    async def media(self, call_id: str, timeout: float = 15) -> int:
        """The RTP port the other side's SDP named for this call: where its `RtpParty` sends
        (the scenario says it once the call is up, when the identity has an `rtp_port`)."""
        state = await self._sipp.wait(
            lambda s: any(c == call_id for c, _ in s.media), "media", timeout=timeout
        )
        return next(port for c, port in state.media if c == call_id)

    @abstractmethod
    async def start(self) -> None:
        """Start SIPp; returns at once."""

    @abstractmethod
    async def ready(self) -> None:
        """Until it is usable (registered, answered)."""

    @abstractmethod
    async def close(self) -> None:
        """End it gracefully (hang up, un-REGISTER) and let SIPp exit."""

    async def __aenter__(self) -> Self:
        await self.start()
        try:
            await self.ready()
        except BaseException:
            await self._sipp.finish()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if exc is None:
                await self.close()
        finally:
            await self._sipp.finish()
