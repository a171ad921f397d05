"""`make bench`'s wallboard scenario: screens on the live wallboard while callers are in the IVR.

run.py runs the same level of callers through the controller's IVR into the queues twice, back
to back: without screens, then with `--wallboard-clients` of them connected to
`/api/v1/wallboard/live` (the admin's bearer token, as a tool would). The screens are one child
process of asyncio WebSockets (this file run as a script), so that their CPU is read apart from
the controller's and does not slow the benchmark's own loop; run.py counts it as the
benchmark's, not as other load.

Each message the wallboard pushes carries `changed_at`, the service clock's time of the oldest
change it reflects (wallboard/board.py). A screen notes its own wall time as each message
arrives; the update latency is that time minus `changed_at`. The controller's clock is the
wall clock moved by a whole number of 15-minute steps into open hours (bench/controller.py
`open_offset`), so the offset is recovered exactly: each screen's first snapshot's `at` minus
its receive time, rounded to 15 minutes (the delay itself is milliseconds). All screens must
agree on it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

STEP = timedelta(minutes=15)  # bench/controller.py moves the clock in these steps
TOKEN_ENV = "BENCH_WALLBOARD_TOKEN"  # not on the command line, where `ps` shows it
RECONNECT_SECONDS = 1.0


@dataclass(frozen=True)
class Received:
    """One message as a screen got it: its wall time (UNIX seconds) and the times it carried."""

    screen: int
    received: float
    type: str  # "snapshot" (on each connect) or "panels"
    at: str | None
    changed_at: str | None


@dataclass
class ScreensResult:
    """What the screens saw while one level ran."""

    screens: int
    messages: int  # every message received in the window, snapshots included
    latencies_ms: list[float]  # of the updates ("panels") received in the window
    offset_minutes: float  # service clock minus wall clock
    offsets: list[float]  # the distinct offsets the screens' first snapshots gave (minutes)
    reconnects: int
    cpu_s: float  # the screens' process over the level

    def summary(self) -> dict[str, Any]:
        return {
            "screens": self.screens,
            "messages": self.messages,
            "updates": len(self.latencies_ms),
            "latency_ms_max": max(self.latencies_ms, default=None),
            "offset_minutes": self.offset_minutes,
            "offsets": self.offsets,
            "reconnects": self.reconnects,
            "cpu_s": self.cpu_s,
        }


# --- the figures (pure) ---------------------------------------------------------------------


def clock_offset(at: datetime, received: float) -> timedelta:
    """The service clock's offset from the wall clock: a snapshot built at service time `at`
    and received at wall time `received`, to the nearest 15-minute step."""
    apart = at.timestamp() - received
    return round(apart / STEP.total_seconds()) * STEP


def latency_ms(changed_at: datetime, received: float, offset: timedelta) -> float:
    """From the change (service clock, back to wall time) to the screen receiving it."""
    return round((received - (changed_at - offset).timestamp()) * 1000, 1)


def screens_result(
    messages: Iterable[Received], *, screens: int, window: tuple[float, float], cpu_s: float
) -> ScreensResult:
    """The updates received within `window` (wall time) and their latency; the offset from
    each screen's first snapshot (the clock is moved once, at the controller's start)."""
    first: dict[int, Received] = {}
    inside: list[Received] = []
    snapshots = 0
    for message in sorted(messages, key=lambda m: m.received):
        if message.type == "snapshot":
            snapshots += 1
            first.setdefault(message.screen, message)
        if window[0] <= message.received <= window[1]:
            inside.append(message)
    if not first:
        raise SystemExit("no wallboard screen got its snapshot")
    offsets = sorted(
        {
            clock_offset(datetime.fromisoformat(m.at or ""), m.received) / timedelta(minutes=1)
            for m in first.values()
        }
    )
    offset = timedelta(minutes=offsets[0])
    latencies = [
        latency_ms(datetime.fromisoformat(m.changed_at), m.received, offset)
        for m in inside
        if m.type == "panels" and m.changed_at
    ]
    return ScreensResult(
        screens=screens,
        messages=len(inside),
        latencies_ms=latencies,
        offset_minutes=offsets[0],
        offsets=offsets,
        reconnects=snapshots - len(first),
        cpu_s=cpu_s,
    )


# --- the screens' process, as run.py drives it ------------------------------------------------


class Screens:
    """The child process holding `count` WebSockets; `start` returns once every one has its
    snapshot, `stop` ends it and returns every message the screens received."""

    def __init__(self, work: Path, *, url: str, token: str, count: int) -> None:
        self.work = work
        self.url = url
        self.token = token
        self.count = count
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def ready_file(self) -> Path:
        return self.work / "screens.ready"

    @property
    def out_file(self) -> Path:
        return self.work / "screens.json"

    def start(self, timeout: float = 60) -> None:
        self.work.mkdir(parents=True, exist_ok=True)
        self.ready_file.unlink(missing_ok=True)
        self.out_file.unlink(missing_ok=True)
        log = (self.work / "screens.out").open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--url",
                self.url,
                "--screens",
                str(self.count),
                "--ready",
                str(self.ready_file),
                "--out",
                str(self.out_file),
            ],
            env={**os.environ, TOKEN_ENV: self.token},
            stdout=log,
            stderr=log,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while not self.ready_file.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise SystemExit(f"the wallboard screens did not connect; see {self.work}")
            time.sleep(0.2)

    @property
    def pid(self) -> int:
        if self.process is None:
            raise RuntimeError("the screens are not started")
        return self.process.pid

    def stop(self) -> list[Received]:
        if self.process is None:
            return []
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None
        if not self.out_file.exists():
            return []
        return [Received(*row) for row in json.loads(self.out_file.read_text())]


# --- the child process ------------------------------------------------------------------------


async def _screen(
    number: int, url: str, token: str, got: Callable[[Received], None], stopping: asyncio.Event
) -> None:
    """One screen: connected until told to stop, again after a drop (as the page does)."""
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession() as session:
        while not stopping.is_set():
            try:
                async with session.ws_connect(url, headers=headers) as ws:
                    async for message in ws:
                        if message.type is not aiohttp.WSMsgType.TEXT:
                            break
                        received = time.time()
                        data = json.loads(message.data)
                        got(
                            Received(
                                number, received, data["type"], data.get("at"), data["changed_at"]
                            )
                        )
            except (aiohttp.ClientError, OSError) as error:
                print(f"screen {number}: {error!r}", flush=True)
            if not stopping.is_set():
                print(f"screen {number}: disconnected", flush=True)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stopping.wait(), RECONNECT_SECONDS)


async def _screens(
    url: str, token: str, count: int, on_ready: Callable[[], None]
) -> list[Received]:
    """`count` screens until SIGTERM; `on_ready` once each has had its snapshot."""
    got: list[Received] = []
    connected: set[int] = set()
    all_connected, stopping = asyncio.Event(), asyncio.Event()

    def note(message: Received) -> None:
        got.append(message)
        connected.add(message.screen)
        if len(connected) == count:
            all_connected.set()

    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopping.set)
    tasks = [asyncio.create_task(_screen(n, url, token, note, stopping)) for n in range(count)]
    await all_connected.wait()
    on_ready()
    await stopping.wait()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return got


def main() -> None:
    parser = argparse.ArgumentParser(description="wallboard screens for the benchmark")
    parser.add_argument("--url", required=True)
    parser.add_argument("--screens", type=int, required=True)
    parser.add_argument("--ready", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    token = os.environ[TOKEN_ENV]
    got = asyncio.run(_screens(args.url, token, args.screens, args.ready.touch))
    args.out.write_text(json.dumps([list(vars(m).values()) for m in got]))


if __name__ == "__main__":
    main()
