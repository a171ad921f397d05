"""A TCP proxy that the tests can cut, to take a server (the database, Asterisk's ARI) away from
a client mid-run.

While cut it aborts every open connection and resets each new one as soon as it is accepted,
so clients fail at once (as with a refused connection) and the test can await those
failures instead of sleeping. `latency` delays every chunk it forwards, as a database on
another host (or a busy one) would: a query then holds its pooled connection that much longer.
"""

from __future__ import annotations

import asyncio
import contextlib


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self._target = (target_host, target_port)
        self._server: asyncio.Server | None = None
        self._cut = False
        self._writers: set[asyncio.StreamWriter] = set()
        self._handlers: set[asyncio.Task[None]] = set()
        self._refused = 0
        self._refused_changed = asyncio.Condition()
        self.port = 0
        self.latency = 0.0  # seconds added to each chunk, each way

    @property
    def refused(self) -> int:
        """Connections reset because the proxy was cut."""
        return self._refused

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        """From now on the database is gone: drop live connections, reset new ones."""
        self._cut = True
        for writer in list(self._writers):
            writer.transport.abort()
        await asyncio.gather(*self._handlers, return_exceptions=True)

    def restore(self) -> None:
        self._cut = False

    async def wait_refused(self, count: int) -> None:
        """Until at least `count` connections have been reset while cut."""
        async with self._refused_changed:
            await self._refused_changed.wait_for(lambda: self._refused >= count)

    async def close(self) -> None:
        await self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._cut:
            writer.transport.abort()
            async with self._refused_changed:
                self._refused += 1
                self._refused_changed.notify_all()
            return
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        self._writers.add(writer)
        sides = [writer]
        try:
            up_reader, up_writer = await asyncio.open_connection(*self._target)
            sides.append(up_writer)
            self._writers.add(up_writer)
            await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))
        except OSError:
            pass
        finally:
            for side in sides:
                side.transport.abort()
                self._writers.discard(side)
            self._handlers.discard(task)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while data := await reader.read(65536):
                if self.latency:
                    await asyncio.sleep(self.latency)  # the delay itself is what is simulated
                writer.write(data)
                await writer.drain()
        writer.transport.abort()
