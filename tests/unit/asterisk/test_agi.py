"""The FastAGI server against a fake Asterisk: normal calls, garbage, stuck peers, hangups.

Each bad connection must end only itself, so every failure scenario is followed by a normal
call on the same server.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import select
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field

import pytest

from ccc_telephony.asterisk.agi import (
    MAX_COMMAND_BYTES,
    AgiError,
    AgiHangup,
    AgiRequest,
    AgiServer,
    AgiSession,
    quote,
)

OK = b"200 result=1\n"
DEAD = b"511 Command Not Permitted on a dead channel or intercept routine\n"
USAGE = (
    b"520-Invalid command syntax.  Proper usage follows:\n"
    b" Usage: SET VARIABLE <variablename> <value>\n"
    b"520 End of proper usage.\n"
)
TRICKY = 'say "hi" \\ back\nslash\r\nSET VARIABLE EVIL "1"\x00'
LIMIT = 5.0  # bounds every wait in these tests so a regression fails instead of hanging


def parse_args(line: str) -> list[str]:
    """res_agi's parse_args, ported, so we check what Asterisk would really see."""
    args: list[str] = []
    cur: list[str] | None = None
    quoted = escaped = False
    for ch in line:
        if ch == '"' and not escaped:
            quoted = not quoted
            if quoted and cur is None:
                cur = []
                args.append("")
        elif ch in " \t" and not quoted and not escaped:
            if cur is not None:
                args[-1] = "".join(cur)
            cur = None
        elif ch == "\\" and not escaped:
            escaped = True
            continue
        else:
            if cur is None:
                cur = []
                args.append("")
            cur.append(ch)
        escaped = False
    if cur is not None:
        args[-1] = "".join(cur)
    return args


@dataclass
class App:
    """The handlers the server runs, and what they saw."""

    requests: list[AgiRequest] = field(default_factory=list)
    failures: asyncio.Queue[BaseException] = field(default_factory=asyncio.Queue)
    entered: asyncio.Queue[None] = field(default_factory=asyncio.Queue)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    replies: list[str] = field(default_factory=list)

    def handlers(self) -> dict[str, Callable[[AgiRequest, AgiSession], Awaitable[None]]]:
        return {
            "hours": self.hours,
            "note": self.note,
            "boom": self.boom,
            "flood": self.flood,
            "block": self.block,
            "dead": self.dead,
            "usage": self.usage,
        }

    async def hours(self, request: AgiRequest, session: AgiSession) -> None:
        self.requests.append(request)
        await session.set_variable("CCC_OPEN", "1")
        await session.verbose("hours checked", level=3)

    async def note(self, request: AgiRequest, session: AgiSession) -> None:
        await session.set_variable("CCC_NOTE", TRICKY)

    async def boom(self, request: AgiRequest, session: AgiSession) -> None:
        raise RuntimeError("handler bug")

    async def flood(self, request: AgiRequest, session: AgiSession) -> None:
        try:
            while True:
                await session.set_variable("CCC_BIG", "x" * 8000)
        except AgiError as exc:
            self.failures.put_nowait(exc)
            raise

    async def block(self, request: AgiRequest, session: AgiSession) -> None:
        self.entered.put_nowait(None)
        await self.release.wait()
        await session.set_variable("CCC_DONE", "1")

    async def dead(self, request: AgiRequest, session: AgiSession) -> None:
        with contextlib.suppress(AgiHangup):
            await session.set_variable("CCC_A", "1")
        assert session.hung_up
        reply = await session.command("GET VARIABLE CCC_A")  # dead-channel commands still work
        self.replies.append(reply.data or "")

    async def usage(self, request: AgiRequest, session: AgiSession) -> None:
        reply = await session.command("SET VARIABLE")
        self.replies.append(reply.raw)
        await session.set_variable("CCC_AFTER", "1")


@pytest.fixture
def app() -> App:
    return App()


async def started(app: App, **options: float | int) -> AgiServer:
    server = AgiServer(host="127.0.0.1", port=0, handlers=app.handlers(), **options)  # type: ignore[arg-type]
    await server.start()
    return server


@pytest.fixture
async def server(app: App) -> AsyncIterator[AgiServer]:
    server = await started(app, header_timeout=0.2, command_timeout=0.3)
    yield server
    await server.stop()


@contextlib.asynccontextmanager
async def connected(
    server: AgiServer, *, rcvbuf: int | None = None
) -> AsyncIterator[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    """A fake Asterisk's socket, always closed afterwards (filterwarnings=error)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.setblocking(False)
    try:
        await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", server.port))
    except BaseException:
        sock.close()
        raise
    reader, writer = await asyncio.open_connection(sock=sock)
    try:
        yield reader, writer
    finally:
        writer.transport.abort()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


def headers(script: str, *args: str, **extra: str) -> bytes:
    lines = [
        "agi_network: yes",
        f"agi_network_script: {script}",
        f"agi_request: agi://127.0.0.1/{script}",
        "agi_channel: PJSIP/trunk-00000001",
        "agi_uniqueid: 1700000000.1",
        "agi_callerid: 5551234567",
        'agi_calleridname: O\'Brien "Pat"',
        *(f"agi_arg_{n}: {arg}" for n, arg in enumerate(args, 1)),
        *(f"{name}: {value}" for name, value in extra.items()),
    ]
    return ("\n".join(lines) + "\n\n").encode()


async def closed_by_server(reader: asyncio.StreamReader) -> bytes:
    """Everything the server sent until it closed (a reset counts as closed)."""
    data = b""
    async with asyncio.timeout(LIMIT):
        with contextlib.suppress(ConnectionResetError):
            while chunk := await reader.read(65536):
                data += chunk
    return data


async def call(
    server: AgiServer,
    request: bytes,
    answer: Callable[[str], bytes] | Iterable[bytes] = lambda _: OK,
) -> list[str]:
    """Play Asterisk for one call: send the request, answer each command; return the commands."""
    answers = iter(answer) if not callable(answer) else None
    commands: list[str] = []
    async with connected(server) as (reader, writer):
        writer.write(request)
        async with asyncio.timeout(LIMIT):
            while line := await reader.readline():
                command = line.decode().removesuffix("\n")
                commands.append(command)
                writer.write(next(answers) if answers is not None else answer(command))  # type: ignore[operator]
        await closed_by_server(reader)
    return commands


async def test_normal_call_sets_variables(server: AgiServer, app: App) -> None:
    commands = await call(server, headers("/hours?x=1", "main", "", "es"))

    assert commands == ['SET VARIABLE CCC_OPEN "1"', 'VERBOSE "hours checked" 3']
    (request,) = app.requests
    assert request.script == "hours"
    assert request.args == ("main", "", "es")
    assert request.channel == "PJSIP/trunk-00000001"
    assert request.uniqueid == "1700000000.1"
    assert request.callerid == "5551234567"
    assert request.env["agi_calleridname"] == 'O\'Brien "Pat"'
    assert server.stats.handled == 1


async def test_set_variable_value_cannot_break_the_protocol(server: AgiServer) -> None:
    (command,) = await call(server, headers("note"))

    assert "\n" not in command and "\r" not in command and "\x00" not in command
    assert parse_args(command) == [
        "SET",
        "VARIABLE",
        "CCC_NOTE",
        'say "hi" \\ back slash  SET VARIABLE EVIL "1" ',
    ]


@pytest.mark.parametrize(
    "value", ["", "plain", '"', "\\", '\\"', 'a\\"b', "trailing\\", "tab\tand  spaces"]
)
def test_quote_round_trips_through_asterisk_parsing(value: str) -> None:
    assert parse_args(f"SET VARIABLE X {quote(value)}") == ["SET", "VARIABLE", "X", value]


async def test_session_refuses_unsafe_input() -> None:
    session = AgiSession(asyncio.StreamReader(), None, timeout=1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="variable name"):
        await session.set_variable('X "1"\nEXEC', "1")
    with pytest.raises(ValueError, match="one line"):
        await session.command("NOOP\nEXEC System reboot")
    with pytest.raises(ValueError, match="one line"):
        await session.set_variable("X", "y" * MAX_COMMAND_BYTES)


async def test_multiline_usage_reply_keeps_the_session_in_step(server: AgiServer, app: App) -> None:
    commands = await call(server, headers("usage"), [USAGE, OK])

    assert commands == ["SET VARIABLE", 'SET VARIABLE CCC_AFTER "1"']
    assert app.replies == [USAGE.decode().rstrip("\n")]
    assert server.stats.handled == 1


async def test_hangup_then_dead_channel_commands_stay_in_step(server: AgiServer, app: App) -> None:
    answers = [b"HANGUP\n" + OK, b"200 result=1 (value with ) paren)\n"]
    commands = await call(server, headers("dead"), answers)

    assert commands == ['SET VARIABLE CCC_A "1"', "GET VARIABLE CCC_A"]
    assert app.replies == ["value with ) paren"]
    assert server.stats.handled == 1


# --- each scenario misbehaves once and returns the counter it should bump -------------------


async def closed_before_headers(server: AgiServer, app: App) -> str:
    async with connected(server) as (reader, writer):
        writer.write_eof()
        assert await closed_by_server(reader) == b""
    return "rejected"


async def closed_mid_header(server: AgiServer, app: App) -> str:
    async with connected(server) as (reader, writer):
        writer.write(b"agi_network: yes\nagi_chan")
        writer.write_eof()
        assert await closed_by_server(reader) == b""
    return "rejected"


async def junk_header(server: AgiServer, app: App) -> str:
    async with connected(server) as (reader, writer):
        writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert await closed_by_server(reader) == b""
    return "rejected"


async def megabyte_line(server: AgiServer, app: App) -> str:
    async with connected(server) as (reader, writer):
        writer.write(b"agi_channel: " + b"A" * 1_000_000 + b"\n\n")
        assert await closed_by_server(reader) == b""
    return "rejected"


async def too_many_headers(server: AgiServer, app: App) -> str:
    async with connected(server) as (reader, writer):
        writer.write(b"".join(b"agi_x%d: 1\n" % n for n in range(200)) + b"\n")
        assert await closed_by_server(reader) == b""
    return "rejected"


async def repeated_header(server: AgiServer, app: App) -> str:
    async with connected(server) as (reader, writer):
        writer.write(b"agi_network_script: hours\n" * 200 + b"\n")
        assert await closed_by_server(reader) == b""
    return "rejected"


async def headers_never_end(server: AgiServer, app: App) -> str:
    async with connected(server) as (reader, writer):
        writer.write(headers("hours").rstrip(b"\n") + b"\n")
        assert await closed_by_server(reader) == b""
    return "rejected"


async def binary_garbage(server: AgiServer, app: App) -> str:
    async with connected(server) as (reader, writer):
        writer.write(bytes(range(256)) * 4 + b"\n\n")
        assert await closed_by_server(reader) == b""
    return "rejected"


async def non_utf8_value(server: AgiServer, app: App) -> str:
    async with connected(server) as (reader, writer):
        writer.write(b"agi_network_script: hours\nagi_calleridname: \xff\xfe\n\n")
        assert await closed_by_server(reader) == b""
    return "rejected"


async def unknown_script(server: AgiServer, app: App) -> str:
    commands = await call(server, headers("no/such\x1b[31mscript"))
    assert commands == ['VERBOSE "ccc-telephony: no AGI script named no/such??31mscript" 1']
    return "rejected"


async def handler_raises(server: AgiServer, app: App) -> str:
    assert await call(server, headers("boom")) == []
    return "errors"


async def never_reads(server: AgiServer, app: App) -> str:
    # Answers queued up front, then nothing is read: the server's writes must time out.
    async with connected(server, rcvbuf=4096) as (reader, writer):
        writer.write(headers("flood") + OK * 20_000)
        async with asyncio.timeout(LIMIT):
            failure = await app.failures.get()
        assert str(failure) == "timed out waiting for Asterisk to read the command"
        await closed_by_server(reader)
    return "errors"


async def hangup_during_command(server: AgiServer, app: App) -> str:
    commands = await call(server, headers("hours"), [b"HANGUP\n" + DEAD])
    assert commands == ['SET VARIABLE CCC_OPEN "1"']
    return "handled"


async def closed_during_command(server: AgiServer, app: App) -> str:
    async with connected(server) as (reader, writer):
        writer.write(headers("hours"))
        await reader.readline()
        writer.write(b"HANGUP\n")
        writer.write_eof()
        await closed_by_server(reader)
    return "handled"


async def garbage_reply(server: AgiServer, app: App) -> str:
    assert await call(server, headers("hours"), [b"\xffnonsense\n"]) == [
        'SET VARIABLE CCC_OPEN "1"'
    ]
    return "errors"


async def no_reply(server: AgiServer, app: App) -> str:
    async with connected(server) as (reader, writer):
        writer.write(headers("hours"))
        assert await closed_by_server(reader) == b'SET VARIABLE CCC_OPEN "1"\n'
    return "errors"


@pytest.mark.parametrize(
    "misbehave",
    [
        closed_before_headers,
        closed_mid_header,
        junk_header,
        megabyte_line,
        too_many_headers,
        repeated_header,
        headers_never_end,
        binary_garbage,
        non_utf8_value,
        unknown_script,
        handler_raises,
        never_reads,
        hangup_during_command,
        closed_during_command,
        garbage_reply,
        no_reply,
    ],
)
async def test_bad_connection_ends_only_itself(
    server: AgiServer, app: App, misbehave: Callable[[AgiServer, App], Awaitable[str]]
) -> None:
    counter = await misbehave(server, app)

    expected = {"handled": 0, "rejected": 0, "errors": 0}
    expected[counter] += 1
    assert vars(server.stats) == expected
    assert await call(server, headers("hours")) == [
        'SET VARIABLE CCC_OPEN "1"',
        'VERBOSE "hours checked" 3',
    ]
    assert server.stats.handled == expected["handled"] + 1


async def test_connections_beyond_the_limit_are_closed_at_once(app: App) -> None:
    server = await started(app, max_connections=2)
    try:
        async with contextlib.AsyncExitStack() as stack:
            held = [await stack.enter_async_context(connected(server)) for _ in range(2)]
            for _, writer in held:
                writer.write(headers("block"))
            async with asyncio.timeout(LIMIT):
                for _ in held:
                    await app.entered.get()

            async with connected(server) as (reader, _):
                assert await closed_by_server(reader) == b""
            assert server.stats.rejected == 1

            app.release.set()
            for reader, writer in held:
                async with asyncio.timeout(LIMIT):
                    assert await reader.readline() == b'SET VARIABLE CCC_DONE "1"\n'
                writer.write(OK)
                assert await closed_by_server(reader) == b""
        assert await call(server, headers("hours")) != []
        assert server.stats.handled == 3
    finally:
        await server.stop()


async def test_stop_cancels_open_connections(app: App) -> None:
    server = await started(app)
    async with connected(server) as (reader, writer):
        writer.write(headers("block"))
        async with asyncio.timeout(LIMIT):
            await app.entered.get()
            await server.stop()
        assert await closed_by_server(reader) == b""
    with pytest.raises(OSError):
        await asyncio.open_connection("127.0.0.1", server.port)


async def test_a_connection_taken_as_the_server_stops_is_closed_not_leaked(app: App) -> None:
    """Asterisk's fallback AGI can connect in the very loop turn the service stops: the
    connection is accepted, then the server closed before its transport is built. It must
    still be closed (on Python 3.11 asyncio would drop it unclosed)."""
    server = await started(app)
    port = server.port
    listening = server._server.sockets[0].fileno() if server._server else -1
    with socket.create_connection(("127.0.0.1", port)) as client:
        select.select([listening], [], [], LIMIT)  # the connection waits to be accepted
        await asyncio.sleep(0)  # this turn's poll queues the accept behind us...
        await asyncio.sleep(0)  # ...which ran: its transport is built on the next turn
        await server.stop()
        client.settimeout(LIMIT)
        assert client.recv(1) == b""  # closed by the server, not left open
    gc.collect()  # a leaked transport would warn here (filterwarnings=error)
