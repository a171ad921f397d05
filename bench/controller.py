"""The ARI controller as the benchmark runs it: the product's Service in a process of its own.

A process of its own so that its CPU time can be read from /proc/<pid>/stat apart from the
benchmark's. It is `ccc-telephony run` with one difference: the clock. The benchmark measures
the open-hours path (menu, identification, queue), so when the policy says the operator is
closed right now the clock is moved to the next open moment (real speed from there), as the
integration tests do. No override is written to the database: an override would add an
`override_applied` event to every call and change what is measured.
"""

from __future__ import annotations

import cProfile
import gc
import json
import os
import time
from datetime import UTC, datetime, timedelta

from ccc_telephony import logs
from ccc_telephony.app import Service, serve
from ccc_telephony.config.policy import Policy, load_policy
from ccc_telephony.config.settings import Settings
from ccc_telephony.hours.rules import status_at

STEP = timedelta(minutes=15)
HORIZON = timedelta(days=21)
MARGIN = timedelta(hours=1)  # the whole benchmark must fit before the shifted closing time


def open_offset(policy: Policy, now: datetime) -> timedelta:
    """0 if the operator is open now and stays open for MARGIN, else the offset to a moment
    that is (checked in 15-minute steps, holidays included)."""
    moment = now
    while moment < now + HORIZON:
        if status_at(policy, moment).open and status_at(policy, moment + MARGIN).open:
            return moment - now
        moment += STEP
    raise SystemExit("the policy is never open for an hour in the next three weeks")


def main() -> None:
    settings = Settings()
    logs.configure(fmt=settings.log_format, level=settings.log_level, file=settings.log_file)
    offset = open_offset(load_policy(settings.policy_file), datetime.now(UTC))

    def clock() -> datetime:
        return datetime.now(UTC) + offset

    service = Service(settings, clock=clock)
    if os.environ.get("BENCH_UVLOOP"):
        import uvloop

        uvloop.install()
    gc_log = os.environ.get("BENCH_GC_LOG")  # each garbage collection's generation and pause
    if gc_log:
        _log_collections(gc_log)
    profile_to = os.environ.get("BENCH_PROFILE")  # cProfile the controller into this file
    if not profile_to:
        serve(service)
        return
    with cProfile.Profile() as profiler:
        serve(service)
    profiler.dump_stats(profile_to)


def _log_collections(path: str) -> None:
    """Append one JSON line per collection (generation, milliseconds) to `path`: how long the
    collector stops the event loop, which every caller then waits for."""
    started: list[float] = []
    out = open(path, "a", buffering=1)  # noqa: SIM115 (open for the process's life)

    def on_collect(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[:] = [time.perf_counter()]
        elif started:
            pause = 1000 * (time.perf_counter() - started[0])
            line = {"gen": info["generation"], "ms": round(pause, 3), "at": time.time()}
            if info["generation"] == 2:  # what survives: a heap growing call after call leaks
                line["objects"] = len(gc.get_objects(generation=2))
            out.write(json.dumps(line) + "\n")

    gc.callbacks.append(on_collect)


if __name__ == "__main__":
    main()
