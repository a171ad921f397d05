"""FastAGI server on plain asyncio streams, built to survive whatever connects to its port.

panoramisk's FastAGI server spins at 100% CPU when a client closes without sending headers and
lets replies drift off by one after a HANGUP, so we keep our own. Every way a connection can go
wrong (bad headers, a peer that stops reading, a handler that raises) ends that connection only:
the server and all other calls carry on. Header values can hold caller-controlled strings (caller
ID name, dialled digits), so they are never logged; only lengths and sanitised script names are.

Protocol as spoken by Asterisk's res_agi: `agi_name: value` header lines ended by an empty line,
then one command line per request, answered by `200 result=X [(data)]`, `510 ...`, `511 ...` or a
`520-` ... `520 End of proper usage.` block, with an unsolicited `HANGUP` line when the channel
hangs up.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import types
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

import structlog

log = structlog.get_logger(__name__)

# res_agi reads commands into an 8192-byte buffer (AGI_BUF_LEN, Asterisk 22) and runs whatever
# does not fit as a second command, so a longer line would let a long value smuggle one in.
MAX_COMMAND_BYTES = 8190
# The usage text of one 520 reply is a few dozen lines; anything far past that is not Asterisk.
_MAX_REPLY_LINES = 256

_HEADER_NAME = re.compile(r"agi_[a-z0-9_]+")
_REPLY = re.compile(r"([0-9]{3})([ -])(.*)")
_VARIABLE_NAME = re.compile(r"_{0,2}[A-Za-z][A-Za-z0-9_]*(\([A-Za-z0-9_,-]*\))?")
# An accept's transport is built in the task's first step, one turn after the accept; more
# turns cost nothing and cover a step that an accept's own callbacks put after it.
_TURNS_FOR_PENDING_ACCEPTS = 3
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_UNSAFE_FOR_LOG = re.compile(r"[^A-Za-z0-9._/-]")


class AgiError(Exception):
    """The AGI conversation failed: a timeout, garbage, a stuck peer or a refused command."""


class AgiHangup(AgiError):
    """The channel hung up: the normal end of most calls, not a fault."""


def quote(value: str) -> str:
    """Quote one command argument the way res_agi's parse_args unquotes it.

    Control characters become spaces because res_agi ends a command at a newline: a caller's
    value must never be able to end ours and start another.
    """
    cleaned = _CONTROL.sub(" ", value)
    return '"' + cleaned.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _safe_for_log(text: str, limit: int = 64) -> str:
    """A header-derived string reduced to characters that cannot forge or garble a log line."""
    return _UNSAFE_FOR_LOG.sub("?", text[:limit])


@dataclass(frozen=True)
class AgiRequest:
    """What Asterisk told us about the call in the header block."""

    script: str
    args: tuple[str, ...]
    env: Mapping[str, str]

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> AgiRequest:
        """Build from the headers; the script is the URL path, minus '/' and any query string."""
        script = env.get("agi_network_script", "").lstrip("/").partition("?")[0]
        args: list[str] = []
        while (arg := env.get(f"agi_arg_{len(args) + 1}")) is not None:
            args.append(arg)
        return cls(script=script, args=tuple(args), env=types.MappingProxyType(dict(env)))

    @property
    def channel(self) -> str:
        return self.env.get("agi_channel", "")

    @property
    def uniqueid(self) -> str:
        return self.env.get("agi_uniqueid", "")

    @property
    def callerid(self) -> str:
        """The caller's number; Asterisk sends 'unknown' when there is none."""
        return self.env.get("agi_callerid", "")


@dataclass(frozen=True)
class AgiReply:
    """One reply: `code`, the `result=` token, the text in the first parentheses, the raw lines."""

    code: int
    result: str
    data: str | None
    raw: str

    @classmethod
    def parse(cls, code: int, lines: list[str]) -> AgiReply:
        """Parse the reply's last line (a 520 block's first lines are only its preamble)."""
        result, data = "", None
        text = lines[-1][4:]
        if text.startswith("result="):
            result, _, rest = text.removeprefix("result=").partition(" ")
            if rest.startswith("(") and ")" in rest:
                data = rest[1 : rest.rindex(")")]
        return cls(code=code, result=result, data=data, raw="\n".join(lines))


class AgiSession:
    """One call's command channel; any failure that could leave replies out of step breaks it.

    A reply that timed out may still arrive, and a half-read line leaves bytes behind: either
    would pair the next command with the wrong reply, so after an `AgiError` (other than a
    clean hangup) every further command fails at once instead.
    """

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, timeout: float
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._timeout = timeout
        self._broken = False
        self.hung_up = False

    # The session applies the timeout itself: the default must bound every command, and a
    # reply given up on has to mark the session broken.
    async def command(self, line: str, *, timeout: float | None = None) -> AgiReply:
        """Send one command and read its reply.

        `timeout` (default: the server's command_timeout) bounds sending and the whole reply;
        commands that play audio or wait for digits need a longer one. Returns 200/510/520
        replies; raises AgiHangup on a HANGUP line (after reading the reply it precedes, so the
        session stays in step), on 511 or when Asterisk closed the connection.
        """
        if _CONTROL.search(line) or len(line.encode()) > MAX_COMMAND_BYTES:
            raise ValueError(f"AGI command must be one line of at most {MAX_COMMAND_BYTES} bytes")
        if self._broken:
            raise AgiError("session is busy or out of step after an earlier failure")
        self._broken = True
        waiting_for = "Asterisk to read the command"
        try:
            async with asyncio.timeout(self._timeout if timeout is None else timeout):
                self._writer.write(line.encode() + b"\n")
                await self._writer.drain()
                waiting_for = "the reply"
                reply, hangup = await self._read_reply()
        except TimeoutError as exc:
            raise AgiError(f"timed out waiting for {waiting_for}") from exc
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            self.hung_up = True
            raise AgiHangup("Asterisk closed the connection") from exc
        except asyncio.LimitOverrunError as exc:
            raise AgiError("reply line too long") from exc
        self._broken = False
        if hangup or reply.code == 511:
            self.hung_up = True
            raise AgiHangup(reply.raw if reply.code == 511 else "HANGUP")
        return reply

    async def _read_reply(self) -> tuple[AgiReply, bool]:
        """One reply, and whether HANGUP notifications came before it.

        res_agi sends HANGUP once when the hangup is noticed and again when the AGI ends.
        """
        hangup = False
        first = await self._read_line()
        for _ in range(_MAX_REPLY_LINES):
            if first != "HANGUP":
                break
            hangup, first = True, await self._read_line()
        match = _REPLY.fullmatch(first)
        if match is None:
            raise AgiError("garbage reply from Asterisk")
        lines = [first]
        if match[2] == "-":
            end = match[1] + " "
            while not lines[-1].startswith(end):
                if len(lines) >= _MAX_REPLY_LINES:
                    raise AgiError("multi-line reply too long")
                lines.append(await self._read_line())
        return AgiReply.parse(int(match[1]), lines), hangup

    async def _read_line(self) -> str:
        # Reply data can echo caller-controlled bytes (GET VARIABLE): replace, don't fail.
        return (await self._reader.readuntil(b"\n")).decode(errors="replace").rstrip("\r\n")

    async def set_variable(self, name: str, value: str) -> None:
        """Set a channel variable. `value` may hold anything (it is quoted); `name` goes out
        unquoted, so it must be a plain name or FUNC(args)."""
        if not _VARIABLE_NAME.fullmatch(name):
            raise ValueError("not a safe channel variable name")
        await self._expect_ok(f"SET VARIABLE {name} {quote(value)}")

    async def verbose(self, message: str, level: int = 1) -> None:
        """Write a line to Asterisk's console/log at verbosity `level` (1-4)."""
        if not 1 <= level <= 4:
            raise ValueError("verbose level must be 1-4")
        await self._expect_ok(f"VERBOSE {quote(message)} {level}")

    async def _expect_ok(self, line: str) -> None:
        reply = await self.command(line)
        if reply.code != 200:
            raise AgiError(f"Asterisk refused the command with {reply.code}")


Handler = Callable[[AgiRequest, AgiSession], Awaitable[None]]


@dataclass
class AgiStats:
    """Connection counters for metrics: ran a handler cleanly, turned away, failed."""

    handled: int = 0
    rejected: int = 0
    errors: int = 0


class _Rejected(Exception):
    """A connection turned away before any handler ran; carries log-safe fields only."""

    def __init__(self, reason: str, **fields: object) -> None:
        super().__init__(reason)
        self.reason = reason
        self.fields = fields


class AgiServer:
    """Accepts FastAGI connections and runs the handler named by the request's script."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        handlers: Mapping[str, Handler],
        header_timeout: float = 5.0,
        command_timeout: float = 5.0,
        max_line: int = 4096,
        max_headers: int = 128,
        max_connections: int = 256,
    ) -> None:
        self._host = host
        self._port = port
        self._handlers = dict(handlers)
        self._header_timeout = header_timeout
        self._command_timeout = command_timeout
        self._max_line = max_line
        self._max_headers = max_headers
        self._max_connections = max_connections
        self._server: asyncio.Server | None = None
        # Set before listening starts: a connection can arrive before start_server returns.
        self._accepting = False
        self._tasks: set[asyncio.Task[None]] = set()
        # Counted apart from _tasks: a connection stops counting before its socket closes, so a
        # peer that sees the close can connect again straight away.
        self._active = 0
        self._next_id = 0
        self.stats = AgiStats()

    @property
    def port(self) -> int:
        """The port listened on: the real one once started, so port=0 is usable."""
        if self._server is None:
            return self._port
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self) -> None:
        self._accepting = True
        self._server = await asyncio.start_server(
            self._accept, self._host, self._port, limit=self._max_line
        )
        log.info("agi server listening", host=self._host, port=self.port)

    async def stop(self, grace: float = 2.0) -> None:
        """Stop listening, give open connections `grace` seconds to finish (a caller the
        service just handed to the dialplan asks for the hours on its way to the queue), then
        cancel the rest and wait for them to close."""
        if self._server is None:
            return
        server, self._server = self._server, None
        self._accepting = False
        await _stop_accepting(server)
        server.close()
        tasks = list(self._tasks)
        if tasks:
            await asyncio.wait(tasks, timeout=grace)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await server.wait_closed()
        log.info("agi server stopped")

    def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._next_id += 1
        conn = self._next_id
        if not self._accepting or self._active >= self._max_connections:
            self.stats.rejected += 1
            log.warning("agi connection refused", conn=conn, active=self._active)
            writer.close()
            return
        self._active += 1
        task = asyncio.create_task(self._serve(conn, reader, writer), name=f"agi-{conn}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _serve(
        self, conn: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        peer = writer.get_extra_info("peername")
        bound = log.bind(conn=conn, peer=peer[0] if isinstance(peer, tuple) else None)
        try:
            await self._converse(bound, reader, writer)
        finally:
            self._active -= 1
            await _close(writer)

    async def _converse(
        self,
        bound: structlog.typing.FilteringBoundLogger,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        try:
            env = await self._read_headers(reader)
        except _Rejected as exc:
            self.stats.rejected += 1
            bound.info("agi connection rejected", reason=exc.reason, **exc.fields)
            return
        request = AgiRequest.from_env(env)
        script = _safe_for_log(request.script)
        session = AgiSession(reader, writer, timeout=self._command_timeout)
        handler = self._handlers.get(request.script)
        if handler is None:
            self.stats.rejected += 1
            bound.info("agi unknown script", script=script)
            with contextlib.suppress(AgiError):
                await session.verbose(f"ccc-telephony: no AGI script named {script}")
            return
        bound = bound.bind(script=script)
        try:
            await handler(request, session)
        except AgiHangup:
            self.stats.handled += 1
            bound.info("agi call hung up")
        except AgiError as exc:
            self.stats.errors += 1
            bound.warning("agi conversation failed", error=str(exc))
        except Exception:
            self.stats.errors += 1
            bound.exception("agi handler raised")
        else:
            self.stats.handled += 1
            bound.debug("agi call handled")

    async def _read_headers(self, reader: asyncio.StreamReader) -> dict[str, str]:
        """Read the header block, or raise _Rejected saying why it is not one."""
        env: dict[str, str] = {}
        try:
            async with asyncio.timeout(self._header_timeout):
                while (line := await reader.readuntil(b"\n")) not in (b"\n", b"\r\n"):
                    if len(env) >= self._max_headers:
                        raise _Rejected("too many headers", count=len(env))
                    name, value = _parse_header(line)
                    if name in env:  # else repeats would slip past max_headers
                        raise _Rejected("repeated header", count=len(env))
                    env[name] = value
        except TimeoutError as exc:
            raise _Rejected("header block timed out", headers=len(env)) from exc
        except asyncio.IncompleteReadError as exc:
            raise _Rejected("closed during headers", headers=len(env)) from exc
        except asyncio.LimitOverrunError as exc:
            raise _Rejected("header line too long", length=exc.consumed) from exc
        except ConnectionError as exc:
            raise _Rejected("connection lost during headers", error=type(exc).__name__) from exc
        return env


def _parse_header(line: bytes) -> tuple[str, str]:
    try:
        text = line.decode().rstrip("\r\n")
    except UnicodeDecodeError as exc:
        raise _Rejected("header not UTF-8", length=len(line)) from exc
    name, sep, value = text.partition(":")
    if not sep or not _HEADER_NAME.fullmatch(name):
        raise _Rejected("not an agi_ header", length=len(line))
    return name, value.removeprefix(" ")


async def _stop_accepting(server: asyncio.Server) -> None:
    """Stop taking connections, then let those already taken reach `_accept` (which closes
    them) before the server is closed.

    On Python 3.11 a connection accepted just before `Server.close()` gets its transport a
    loop turn later, and a transport made for a closed server fails an assertion that asyncio
    swallows: its socket is never closed (measured: Asterisk's fallback AGI connecting while
    the service stops left an "unclosed transport" behind). With the listening sockets' reader
    removed no accept can happen any more, and one turn of the loop lets the pending ones
    build their transports while the server is still open."""
    loop = asyncio.get_running_loop()
    for sock in server.sockets:
        loop.remove_reader(sock.fileno())
    for _ in range(_TURNS_FOR_PENDING_ACCEPTS):
        await asyncio.sleep(0)


async def _close(writer: asyncio.StreamWriter) -> None:
    """Close at once: abort if unsent bytes remain, since a peer that stopped reading would hold
    a graceful close open forever."""
    if writer.transport.get_write_buffer_size():
        writer.transport.abort()
    else:
        writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
