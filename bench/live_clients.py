"""The live feed under load: N clients connected while M callers go through the IVR into the
queues, against the same callers with no client, in one run on the `bench` instance.

Each client is a WebSocket on `/api/v1/live` with the admin token (the widest fan-out: every
call and queue event reaches every client). An event's latency is its receive time less its
`at` (when the service saw it happen), on the controller's clock: bench/controller.py may move
its clock to the next open moment, by a whole number of 15-minute steps that this script
computes the same way and takes off. Clients and callers share the machine, so the clients'
own CPU is part of what the "with clients" run costs.

    PYTHONPATH=. .venv/bin/python bench/live_clients.py [--clients 50] [--callers 500]

(root, like `make bench`). Prints, and appends to bench/RESULTS.md, the IVR's figures without
and with the clients and the events' latency p50/p99/max.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import controller
import measure
import run

from ccc_telephony.config.policy import load_policy
from ccc_telephony.devstack.instance import instance

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
FOLLOWED = frozenset({"calls", "queues"})


@dataclass
class Received:
    latencies_ms: list[float] = field(default_factory=list)
    messages: int = 0
    dropped: int = 0  # clients the service closed (too slow) or that failed


class Clients:
    """N live-feed clients on an event loop of their own (a thread), so SIPp's and the
    benchmark's blocking calls never delay a receive."""

    def __init__(self, url: str, token: str, count: int, clock_offset: timedelta) -> None:
        self._url, self._token, self._count = url, token, count
        self._offset = clock_offset
        self.received = Received()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._loop.run_until_complete, args=(self._run(),))

    @contextlib.contextmanager
    def connected(self) -> Iterator[Received]:
        self._thread.start()
        if not self._ready.wait(60):
            raise SystemExit("the live-feed clients did not all connect within 60 s")
        try:
            yield self.received
        finally:
            assert self._stop is not None
            self._loop.call_soon_threadsafe(self._stop.set)
            self._thread.join(30)

    async def _run(self) -> None:
        self._stop = asyncio.Event()
        headers = {"Authorization": f"Bearer {self._token}"}
        async with aiohttp.ClientSession(headers=headers) as http:
            sockets = [await http.ws_connect(self._url) for _ in range(self._count)]
            for ws in sockets:
                await ws.receive_json(timeout=10)  # hello: subscribed
            self._ready.set()
            readers = [asyncio.create_task(self._read(ws)) for ws in sockets]
            await self._stop.wait()
            for reader in readers:
                reader.cancel()
            for ws in sockets:
                await ws.close()

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for message in ws:
            if message.type is not aiohttp.WSMsgType.TEXT:
                break
            now = datetime.now(UTC) + self._offset
            event = json.loads(message.data)
            self.received.messages += 1
            if event.get("topic") in FOLLOWED:
                at = datetime.fromisoformat(event["at"])
                self.received.latencies_ms.append((now - at).total_seconds() * 1000)
        self.received.dropped += 1


def _ivr(bench: run.Bench, callers: int, ramp: float, template: object) -> run.PathResult:
    run.wait_quiet(bench, limit=120)
    return run.run_level(bench, "ari", callers, ramp_seconds=ramp, template=template)  # type: ignore[arg-type]


def _row(name: str, r: run.PathResult) -> str:
    return (
        f"| {name} | {r.completed}/{r.placed} | {run._fmt(r.p50)} ms | {run._fmt(r.p99)} ms"
        f" | {run._fmt(r.per_call_ms(r.asterisk_cpu_s))} ms"
        f" | {run._fmt(r.per_call_ms(r.controller_cpu_s))} ms |"
    )


def report(
    args: argparse.Namespace, without: run.PathResult, with_: run.PathResult, got: Received
) -> str:
    p50, p99 = measure.percentile(got.latencies_ms, 50), measure.percentile(got.latencies_ms, 99)
    worst = max(got.latencies_ms, default=None)
    info = run.machine()
    return "\n".join(
        [
            "",
            f"### Live feed: {args.clients} clients, {args.callers} callers"
            f" ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, bench/live_clients.py)",
            "",
            f"{info['cpus']} x {info['cpu_model']}; callers through the controller's IVR into"
            f" the queues over {args.ramp:.0f} s; each client the admin's (every call and queue"
            " event). IVR figures: key to next prompt; CPU per call, idle subtracted.",
            "",
            "| run | calls done | IVR p50 | IVR p99 | Asterisk | controller |",
            "|---|---:|---:|---:|---:|---:|",
            _row("no client", without),
            _row(f"{args.clients} clients", with_),
            "",
            f"Event latency (at to received), {len(got.latencies_ms)} events over"
            f" {args.clients} clients: p50 {run._fmt(p50)} ms, p99 {run._fmt(p99)} ms,"
            f" max {run._fmt(worst)} ms; {got.messages} messages, {got.dropped} clients dropped.",
            "",
        ]
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--clients", type=int, default=50, help="live-feed clients (50)")
    parser.add_argument("--callers", type=int, default=500, help="callers (500)")
    parser.add_argument("--ramp", type=float, default=10.0, help="seconds to place them (10)")
    parser.add_argument("--no-record", action="store_true", help="do not append to RESULTS.md")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    fd_limit = run.raise_fd_limit()
    work = instance("bench").run_dir / "bench" / f"live-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
    work.mkdir(parents=True, exist_ok=True)
    bench = run.set_up(work, fd_limit)
    try:
        settings = bench.stack.settings()
        offset = controller.open_offset(load_policy(settings.policy_file), datetime.now(UTC))
        template = run.warm_up(bench)["ari"]
        bench.idle_rates = run.measure_idle(bench, 10)
        print(f"ari: {args.callers} callers, no live client ...", flush=True)
        without = _ivr(bench, args.callers, args.ramp, template)
        clients = Clients(
            f"http://127.0.0.1:{bench.inst.ports.api}/api/v1/live?topics=calls,queues",
            settings.secret("admin-token").get_secret_value(),
            args.clients,
            offset,
        )
        print(f"ari: {args.callers} callers, {args.clients} live clients ...", flush=True)
        with clients.connected() as got:
            with_ = _ivr(bench, args.callers, args.ramp, template)
            time.sleep(2)  # the last events' way to the clients
    finally:
        run.tear_down(bench)
    text = report(args, without, with_, got)
    print(text)
    if not args.no_record:
        with RESULTS.open("a", encoding="utf-8") as results:
            results.write(text)
    return 0 if without.completed == with_.completed == args.callers else 1


if __name__ == "__main__":
    sys.exit(main())
