"""`make bench`: the ARI controller against a pure-dialplan IVR, on the same Asterisk, under load.

For each concurrency level, SIPp places N calls (reaching N at once after a ramp) that go
greeting -> language -> main menu -> case number -> queue, first through the controller
(the main number), then through bench/dialplan_ivr.conf (a bench-only number). For both it
prints calls completed and failed, key-to-next-prompt latency p50/p99, CPU per call of
Asterisk, of the controller and of PostgreSQL, call events written against expected, and the
ARI/dialplan ratios; then checks the targets (Asterisk CPU per call via ARI at most 1.1x the
dialplan's; at each level the controller at most a tenth of Asterisk's CPU per call, and its
key-to-prompt p50 within 2 ms and p99 within 15 ms of the dialplan's). Two more scenarios
follow: agents taking callers from the queues (queue_scenario.py), and the wallboard under
load: one level through the controller without, then with, screens on the live wallboard
(wallboard_scenario.py; update latency p99 under 1 s, the IVR's p99 with screens at most 1.1x
the run without).

It uses the `bench` sandbox instance only (its own ports, database and Asterisk folders), runs
`prepare` for it, and stops at the end whatever it started. bench/RESULTS.md explains the
method and records a full run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import measure
import queue_scenario
import sipp_load
import targets
import wallboard_scenario
from sqlalchemy import text

from ccc_telephony.config.policy import load_policy
from ccc_telephony.config.settings import Settings
from ccc_telephony.devstack import asterisk, postgres
from ccc_telephony.devstack.instance import REPO, Instance, instance
from ccc_telephony.devstack.stack import Stack, prepare
from ccc_telephony.store.engine import make_engine

BENCH = Path(__file__).resolve().parent
DIALPLAN_FILE = "bench_dialplan_ivr.conf"
DIALPLAN_NUMBER = "6085559900"  # the baseline's number; not the policy's main number
PATHS = ("ari", "dialplan")
# Issue 14's levels. On the 2-core machine of RESULTS.md 1000 calls at once need more CPU than
# it has, for either path (Asterisk alone ~2.4 cores); `--levels 20,100,500,750,1000` finds
# where each path breaks.
DEFAULT_LEVELS = "20,100,300,500"
FD_LIMIT = 65536  # for Asterisk (when this run starts it), SIPp and the controller
# SIPp's own SIP and media ports, fresh for each SIPp run (an aborted call retransmits for
# 32 s), away from every instance's SIP port and RTP range (devstack/instance.py).
SIP_PORT_BASE = 25000
MEDIA_PORT_BASE = 22000
CALL_SECONDS = 27  # the caller's script, from INVITE to BYE, with some slack
TARGET_ASTERISK_RATIO = 1.1
TARGET_WALLBOARD_P99_MS = 1000.0  # issue 13: updates within a second
TARGET_IVR_WITH_SCREENS = 1.1  # the IVR's p99 with screens at most this times without


# --- results --------------------------------------------------------------------------------


@dataclass
class PathResult:
    path: str
    level: int
    placed: int
    completed: int
    wall_seconds: float
    latencies_ms: list[float]
    asterisk_cpu_s: float  # net of its idle use over the same time (see measure_idle)
    controller_cpu_s: float
    postgres_cpu_s: float
    idle_cpu_s: tuple[float, float, float]  # what was subtracted: Asterisk, controller, PG
    sipp_cpu_s: float
    other_cores: float  # CPU used meanwhile by processes not in the benchmark (cores)
    events_expected: int
    events_written: int
    events_template: dict[str, int]
    peaks: measure.Peaks
    sipp_failures: dict[str, int] = field(default_factory=dict)
    asterisk_problems: dict[str, int] = field(default_factory=dict)
    controller_problems: dict[str, int] = field(default_factory=dict)
    latency_by_step: dict[str, list[float]] = field(default_factory=dict)

    @property
    def failed(self) -> int:
        return self.placed - self.completed

    @property
    def events_lost(self) -> int:
        return self.events_expected - self.events_written

    def per_call_ms(self, seconds: float) -> float | None:
        return 1000 * seconds / self.completed if self.completed else None

    @property
    def p50(self) -> float | None:
        return measure.percentile(self.latencies_ms, 50)

    @property
    def p99(self) -> float | None:
        return measure.percentile(self.latencies_ms, 99)

    def summary(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("latencies_ms")
        data["latency_by_step"] = {
            step: {"p50": measure.percentile(v, 50), "p99": measure.percentile(v, 99), "n": len(v)}
            for step, v in self.latency_by_step.items()
        }
        data.update(
            failed=self.failed,
            events_lost=self.events_lost,
            latency_p50_ms=self.p50,
            latency_p99_ms=self.p99,
            asterisk_ms_per_call=self.per_call_ms(self.asterisk_cpu_s),
            controller_ms_per_call=self.per_call_ms(self.controller_cpu_s),
            postgres_ms_per_call=self.per_call_ms(self.postgres_cpu_s),
        )
        return data


# --- the bench stack --------------------------------------------------------------------------


@dataclass
class Bench:
    """The prepared `bench` instance, the controller process and what this run started."""

    stack: Stack
    started_asterisk: bool
    started_postgres: bool
    work: Path
    log_path: Path
    utc_offset: timedelta
    service_log: Path
    controller: subprocess.Popen[bytes] | None = None
    runs: int = 0
    idle_rates: tuple[float, float, float] = (0.0, 0.0, 0.0)  # CPU s per s with no calls
    helper_pids: list[int] = field(default_factory=list)  # our children that are not SIPp

    @property
    def inst(self) -> Instance:
        return self.stack.inst

    @property
    def etc(self) -> Path:
        return asterisk.host_path(self.stack.root, self.inst, "etc")

    def asterisk_pid(self) -> int:
        pid = asterisk.running_pid(self.inst)
        if pid is None:
            raise SystemExit("the bench Asterisk is not running (see .run/bench/asterisk.out)")
        return pid

    def cli(self, command: str) -> str:
        return asterisk.cli(self.stack.root, self.inst, command)

    def active_channels(self) -> int:
        out = self.cli("core show channels count")
        for line in out.splitlines():
            if "active channel" in line:
                return int(line.split()[0])
        return 0

    def postmaster_pid(self) -> int | None:
        pid_file = self.inst.run_dir / "pg" / "data" / "postmaster.pid"
        if not self.stack.own_database or not pid_file.exists():
            return None
        return int(pid_file.read_text().split("\n", 1)[0])

    def next_ports(self) -> tuple[int, int]:
        self.runs += 1
        return SIP_PORT_BASE + self.runs, MEDIA_PORT_BASE + 4 * (self.runs % 700)

    # What the queue scenario (queue.py) uses.
    @property
    def main_number(self) -> str:
        return _main_number(self)

    def cpu(self) -> tuple[float, float, float]:
        """CPU seconds so far of Asterisk, the controller (0 while stopped) and PostgreSQL."""
        running = self.controller is not None and self.controller.poll() is None
        ctl_pid = self.controller.pid if running and self.controller else None
        return _cpu(self.asterisk_pid(), ctl_pid, self.postmaster_pid())

    def start_controller(self) -> None:
        start_controller(self)

    def stop_controller(self) -> None:
        stop_controller(self)

    def wait_no_channels(self) -> None:
        _wait_no_channels(self, timeout=60)

    def write_config(self, path: Path, text: str) -> None:
        _write_owned(path, text)


def raise_fd_limit() -> int:
    """Asterisk drops root (-U asterisk) before it could raise its own limit (maxfiles), so it
    keeps the limit of the process that starts it: raise ours first. SIPp needs it too.
    Without CAP_SYS_RESOURCE (some sandboxes, even as root) the hard limit stays where it is.
    Returns the limit children get."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = max(FD_LIMIT, soft)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, max(wanted, hard)))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def set_up(work: Path, fd_limit: int) -> Bench:
    inst = instance("bench")
    if _port_open(inst.ports.api):
        raise SystemExit(
            f"something already listens on the bench API port {inst.ports.api} (a bench "
            "service started with `make up INSTANCE=bench`?); stop it first: the benchmark "
            "runs its own controller"
        )
    had_asterisk = asterisk.running_pid(inst) is not None
    had_postgres = postgres.is_running(inst.run_dir / "pg")
    stack = prepare(inst)
    root = stack.root
    offset = subprocess.run(
        ["chroot", str(root), "date", "+%z"], capture_output=True, text=True, check=True
    ).stdout.strip()
    sign = -1 if offset.startswith("-") else 1
    utc_offset = sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5]))
    bench = Bench(
        stack=stack,
        started_asterisk=not had_asterisk,
        started_postgres=stack.own_database and not had_postgres,
        work=work,
        log_path=asterisk.host_path(root, inst, "log", "messages.log"),
        utc_offset=utc_offset,
        service_log=work / "service.log",
    )
    limit = measure.fd_limit(bench.asterisk_pid())
    if limit < fd_limit:
        print(
            f"note: the bench Asterisk was already running with {limit} open files at most; "
            "stop it (make down INSTANCE=bench) to let the benchmark start it with more",
            flush=True,
        )
    print(f"open files: Asterisk may have {limit}, SIPp and the controller {fd_limit}")
    install_baseline(bench)
    start_controller(bench)
    return bench


def tear_down(bench: Bench) -> None:
    stop_controller(bench)
    remove_baseline(bench)
    if bench.started_asterisk:
        asterisk.stop(bench.inst)
    if bench.started_postgres:
        postgres.stop_cluster(bench.inst.run_dir / "pg")


def install_baseline(bench: Bench) -> None:
    """The dialplan IVR goes in as an extra file included at the end of extensions.conf."""
    conf = (BENCH / "dialplan_ivr.conf").read_text()
    conf = conf.replace("BENCH_DIALPLAN_NUMBER", DIALPLAN_NUMBER)
    conf = conf.replace("BENCH_QUEUE_NUMBER", queue_scenario.QUEUE_NUMBER)
    _write_owned(bench.etc / DIALPLAN_FILE, conf)
    ext = bench.etc / "extensions.conf"
    current = ext.read_text()
    include = f'#include "{DIALPLAN_FILE}"'
    if include not in current:
        note = "; benchmark baseline (bench/run.py)"
        _write_owned(ext, current.rstrip("\n") + f"\n\n{note}\n{include}\n")
    bench.cli("dialplan reload")
    if DIALPLAN_NUMBER not in bench.cli("dialplan show ccc-inbound"):
        raise SystemExit("the baseline dialplan did not load; see Asterisk's messages.log")


def remove_baseline(bench: Bench) -> None:
    """Back to the product's extensions.conf (`prepare` would rewrite it anyway)."""
    ext = bench.etc / "extensions.conf"
    _write_owned(ext, (REPO / "dialplan" / "extensions.conf").read_text())
    (bench.etc / DIALPLAN_FILE).unlink(missing_ok=True)
    if asterisk.running_pid(bench.inst) is not None:
        bench.cli("dialplan reload")


def _write_owned(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text)
    tmp.chmod(0o640)
    os.chown(tmp, asterisk.ASTERISK_UID, asterisk.ASTERISK_UID)
    tmp.replace(path)


def start_controller(bench: Bench) -> None:
    env = {
        **os.environ,
        **bench.stack.env,
        "CCC_LOG_FORMAT": "json",
        "CCC_LOG_FILE": str(bench.service_log),
        "PYTHONPATH": str(REPO / "src"),
    }
    out = (bench.work / "controller.out").open("ab")
    bench.controller = subprocess.Popen(
        [sys.executable, str(BENCH / "controller.py")],
        env=env,
        stdout=out,
        stderr=out,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    out.close()
    url = f"http://127.0.0.1:{bench.inst.ports.api}/readyz"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if bench.controller.poll() is not None:
            raise SystemExit(f"the controller exited; see {bench.work / 'controller.out'}")
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:
                if json.load(reply).get("ready"):
                    return
        except (urllib.error.URLError, OSError, ValueError):
            pass
        time.sleep(0.2)
    raise SystemExit(f"the controller did not become ready; see {bench.service_log}")


def stop_controller(bench: Bench) -> None:
    proc = bench.controller
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=40)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def _port_open(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


# --- one level of one path --------------------------------------------------------------------


def run_level(
    bench: Bench,
    path: str,
    level: int,
    *,
    ramp_seconds: float,
    template: Counter[str] | None,
    tag: str = "",
) -> PathResult:
    """One SIPp run of `level` calls through `path`, and what it cost. `template` is the
    events one call writes (from the warm-up), or None for the warm-up itself; `tag` names
    the run's folder apart from another run of the same level."""
    _wait_no_channels(bench, timeout=60)
    run_dir = bench.work / f"{path}-{level}{tag}"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    plan = sipp_load.ivr_plan(f"ccc bench {path} {level}", number_prefix="555")
    scenario_file = run_dir / "caller.xml"
    scenario_file.write_text(sipp_load.scenario(plan), encoding="iso-8859-1")
    sip_port, media_port = bench.next_ports()
    timeout_s = int(ramp_seconds) + CALL_SECONDS + 60
    cmd = sipp_load.command(
        scenario_file,
        run_dir,
        target=f"127.0.0.1:{bench.inst.ports.sip}",
        service=_main_number(bench) if path == "ari" else DIALPLAN_NUMBER,
        calls=level,
        rate_calls=level,
        rate_period_ms=max(int(ramp_seconds * 1000), 1),
        local_port=sip_port,
        media_port=media_port,
        timeout_s=timeout_s,
    )
    ast_pid = bench.asterisk_pid()
    ctl_pid = bench.controller.pid if bench.controller else None
    pg_pid = bench.postmaster_pid()
    log_offset = bench.log_path.stat().st_size
    svc_offset = bench.service_log.stat().st_size if bench.service_log.exists() else 0
    before = _cpu(ast_pid, ctl_pid, pg_pid)
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    machine_before, self_before = measure.machine_busy_seconds(), _self_cpu(bench)
    started = time.monotonic()
    with measure.Sampler(ast_pid, ctl_pid) as sampler:
        result = sipp_load.run(cmd, run_dir, timeout_s=timeout_s)
        children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        _wait_no_channels(bench, timeout=60)
        view, _ = measure.read_log(bench.log_path, log_offset, bench.utc_offset)
        # SIPp call number -> Asterisk channel, and channel -> call id (the Uniqueid)
        call_of: dict[int, str] = {}
        ids = set(view.call_id_of.values())
        if path == "dialplan":
            for channel, number in view.caller_of.items():
                if number.startswith(plan.number_prefix):
                    call_of[int(number[len(plan.number_prefix) :])] = channel
        check = asyncio.run(
            _check_events(
                bench.stack.database_url,
                ids,
                template=template,
                done=result.done,
                prefix=plan.number_prefix,
                call_of=call_of,
                view=view,
                path=path,
            )
        )
    wall = time.monotonic() - started
    after = _cpu(ast_pid, ctl_pid, pg_pid)
    machine = measure.machine_busy_seconds() - machine_before
    idle = tuple(round(rate * wall, 3) for rate in bench.idle_rates)
    sipp_cpu = (children_after.ru_utime + children_after.ru_stime) - (
        children_before.ru_utime + children_before.ru_stime
    )
    ours = sum(a - b for a, b in zip(after, before, strict=True)) + sipp_cpu
    ours += _self_cpu(bench) - self_before
    latencies, by_step = _latencies(plan, result.key_times, call_of, view, check.completed)
    return PathResult(
        path=path,
        level=level,
        placed=level,
        completed=len(check.completed),
        wall_seconds=round(wall, 1),
        latencies_ms=latencies,
        latency_by_step=by_step,
        asterisk_cpu_s=after[0] - before[0] - idle[0],
        controller_cpu_s=after[1] - before[1] - idle[1],
        postgres_cpu_s=after[2] - before[2] - idle[2],
        idle_cpu_s=(idle[0], idle[1], idle[2]),
        sipp_cpu_s=sipp_cpu,
        other_cores=max(0.0, (machine - ours) / wall),
        events_expected=check.expected,
        events_written=check.written,
        events_template=check.template,
        peaks=sampler.peaks,
        sipp_failures=result.failure_reasons,
        asterisk_problems=dict(view.problems.most_common(8)),
        controller_problems=_service_problems(bench.service_log, svc_offset),
    )


def _self_cpu(bench: Bench) -> float:
    """The benchmark's CPU: this process and its helpers (the wallboard's screens)."""
    times = os.times()
    return times.user + times.system + sum(measure.cpu_seconds(p) for p in bench.helper_pids)


def wait_quiet(bench: Bench, *, limit: float, budget: float = 0.15) -> float:
    """Wait (at most `limit` s) until other processes use less than `budget` cores over 2 s:
    the machine is shared, and a test suite running beside the benchmark distorts latency.
    Returns the load of other processes when it stopped waiting."""
    deadline = time.monotonic() + limit
    pids = (bench.asterisk_pid(), bench.controller.pid if bench.controller else None)
    while True:
        before = measure.machine_busy_seconds(), _cpu(pids[0], pids[1], bench.postmaster_pid())
        mine = _self_cpu(bench)
        time.sleep(2)
        after = measure.machine_busy_seconds(), _cpu(pids[0], pids[1], bench.postmaster_pid())
        ours = sum(a - b for a, b in zip(after[1], before[1], strict=True))
        other = (after[0] - before[0] - ours - (_self_cpu(bench) - mine)) / 2
        if other < budget or time.monotonic() > deadline:
            return max(0.0, other)


def _main_number(bench: Bench) -> str:
    policy_file = bench.stack.env.get("CCC_POLICY_FILE") or str(Settings().policy_file)
    return load_policy(Path(policy_file)).main_number


def _cpu(ast_pid: int, ctl_pid: int | None, pg_pid: int | None) -> tuple[float, float, float]:
    return (
        measure.cpu_seconds(ast_pid),
        measure.cpu_seconds(ctl_pid) if ctl_pid else 0.0,
        measure.tree_cpu_seconds(pg_pid) if pg_pid else 0.0,
    )


def _wait_no_channels(bench: Bench, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while bench.active_channels() > 0:
        if time.monotonic() > deadline:
            print(f"warning: {bench.active_channels()} channels still up", flush=True)
            return
        time.sleep(0.5)


@dataclass
class EventCheck:
    completed: set[int]  # SIPp call numbers
    expected: int
    written: int
    template: dict[str, int]  # the events of one call, by name


async def _check_events(
    database_url: str,
    ids: set[str],
    *,
    template: Counter[str] | None,
    done: set[int],
    prefix: str,
    call_of: dict[int, str],
    view: measure.LogView,
    path: str,
    timeout: float = 90,
) -> EventCheck:
    """Which calls completed, and whether each completed call has in the database every
    event one call of this path writes (`template`). Waits for the writer to flush: until
    nothing is missing, or nothing new arrived for 10 s, or `timeout`.

    A call is completed when SIPp finished its script and the call really entered the queue
    (see _in_queue); a controller call also needs its `queued` event stored. Events of
    dialplan calls exist too: the controller turns app_queue's AMI events into
    `queue_joined` and `abandoned` for any call in a queue."""
    channel_of_id = {cid: ch for ch, cid in view.call_id_of.items()}
    engine = make_engine(database_url, pool_size=1)
    params = {"ids": sorted(ids)}
    deadline = time.monotonic() + timeout
    last_change, last_total = time.monotonic(), -1
    try:
        async with engine.connect() as conn:
            while True:
                rows = await conn.execute(
                    text(
                        "SELECT call_id, name, details->>'caller_number', count(*)"
                        " FROM call_events WHERE call_id = ANY(:ids)"
                        " GROUP BY call_id, name, details->>'caller_number'"
                    ),
                    params,
                )
                await conn.commit()
                names: dict[str, Counter[str]] = {}
                total = 0
                for call_id, name, number, count in rows:
                    names.setdefault(call_id, Counter())[name] += count
                    total += count
                    number = str(number or "")
                    started = path == "ari" and name == "call_started"
                    if started and call_id in channel_of_id and number.startswith(prefix):
                        call_of[int(number[len(prefix) :])] = channel_of_id[call_id]
                completed = {
                    n
                    for n in done
                    if n in call_of
                    and _in_queue(call_of[n], names.get(view.call_id_of[call_of[n]]), view, path)
                }
                now = time.monotonic()
                if total != last_total:
                    last_change, last_total = now, total
                if template is None:  # the warm-up: until its events stop coming for 3 s
                    if now - last_change > 3 or now > deadline:
                        break
                    await asyncio.sleep(0.5)
                    continue
                missing = sum(
                    (template - names.get(view.call_id_of[call_of[n]], Counter())).total()
                    for n in completed
                )
                if missing == 0 or now - last_change > 10 or now > deadline:
                    break
                await asyncio.sleep(0.5)
    finally:
        await engine.dispose()
    if template is None:  # the warm-up: this call's events are the template
        only = next(iter(completed), None)
        found = names.get(view.call_id_of[call_of[only]], Counter()) if only else Counter()
        return EventCheck(completed, found.total(), found.total(), dict(found))
    expected = template.total() * len(completed)
    return EventCheck(completed, expected, expected - missing, dict(template))


def _in_queue(channel: str, names: Counter[str] | None, view: measure.LogView, path: str) -> bool:
    """Asterisk ran Queue() for the channel (its log), or app_queue reported the caller
    joining (the `queue_joined` event): the log alone is not enough, as an overloaded
    Asterisk discards log messages. A controller call also needs its `queued` event; that
    event alone is not enough either, as a caller may hang up between it and Queue()."""
    names = names or Counter()
    entered = channel in view.queued or names["queue_joined"] > 0
    return entered and (path != "ari" or names["queued"] > 0)


def _latencies(
    plan: sipp_load.CallerPlan,
    key_times: dict[tuple[int, int], float],
    call_of: dict[int, str],
    view: measure.LogView,
    completed: set[int],
) -> tuple[list[float], dict[str, list[float]]]:
    values: list[float] = []
    by_step: dict[str, list[float]] = {}
    for index, prompt in plan.measured:
        step = by_step.setdefault(f"key {plan.steps[index][1]} -> {prompt}", [])
        for number in sorted(completed):
            pressed = key_times.get((number, index))
            if pressed is None:
                continue
            started = measure.next_play(view.plays.get(call_of[number], []), prompt, pressed)
            if started is None:
                continue
            step.append(round(max(0.0, started - pressed) * 1000, 1))
        values.extend(step)
    return values, by_step


def _service_problems(path: Path, offset: int) -> dict[str, int]:
    problems: Counter[str] = Counter()
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        handle.seek(offset)
        for raw in handle:
            try:
                line = json.loads(raw)
            except ValueError:
                continue
            if line.get("level") in ("warning", "error", "critical"):
                problems[f"{line['level']} {str(line.get('event'))[:100]}"] += 1
    return dict(problems.most_common(8))


def measure_idle(bench: Bench, seconds: float) -> tuple[float, float, float]:
    """CPU seconds per second that Asterisk, the controller and PostgreSQL use with no calls
    (timers, keep-alives, the hours refresh): subtracted from each level so that a figure per
    call is what the calls cost, also at levels too small to hide a background rate."""
    _wait_no_channels(bench, timeout=60)
    pids = (bench.asterisk_pid(), bench.controller.pid if bench.controller else None)
    before = _cpu(pids[0], pids[1], bench.postmaster_pid())
    started = time.monotonic()
    time.sleep(seconds)
    after = _cpu(pids[0], pids[1], bench.postmaster_pid())
    wall = time.monotonic() - started
    rates = [(a - b) / wall for a, b in zip(after, before, strict=True)]
    return (rates[0], rates[1], rates[2])


# --- warm-up: one call per path, also counting a call's events --------------------------------


def warm_up(bench: Bench) -> dict[str, Counter[str]]:
    """One call through each path: the sounds get cached, both paths are proven to reach the
    queue, and each call's events become what every call of that path must write."""
    templates = {}
    for path in PATHS:
        result = run_level(bench, path, 1, ramp_seconds=1, template=None)
        if result.completed != 1:
            raise SystemExit(
                f"warm-up call through the {path} path did not reach the queue: "
                f"{result.sipp_failures or ''} {result.asterisk_problems or ''}; "
                f"see {bench.work / f'{path}-1'}"
            )
        templates[path] = Counter(result.events_template)
    return templates


# --- the wallboard scenario: the IVR without, then with, screens on the live wallboard ------


@dataclass
class WallboardRun:
    without: PathResult
    with_screens: PathResult
    screens: wallboard_scenario.ScreensResult

    def summary(self) -> dict[str, Any]:
        latencies = self.screens.latencies_ms
        return {
            "without": self.without.summary(),
            "with_screens": self.with_screens.summary(),
            "screens": {
                **self.screens.summary(),
                "latency_ms_p50": measure.percentile(latencies, 50),
                "latency_ms_p99": measure.percentile(latencies, 99),
            },
        }


def run_wallboard(
    bench: Bench,
    *,
    callers: int,
    screens: int,
    ramp_seconds: float,
    template: Counter[str],
    pause: float,
    quiet_wait: float,
) -> WallboardRun:
    """`callers` through the controller's IVR into the queue without screens, then the same
    with `screens` connected to the live wallboard (see wallboard_scenario.py)."""
    time.sleep(pause)
    wait_quiet(bench, limit=quiet_wait)
    print(f"wallboard: {callers} calls without screens ...", flush=True)
    without = run_level(
        bench, "ari", callers, ramp_seconds=ramp_seconds, template=template, tag="-no-screens"
    )
    _print_level(without)
    token = bench.stack.settings().secret("admin-token").get_secret_value()
    board = wallboard_scenario.Screens(
        bench.work / "wallboard",
        url=f"ws://127.0.0.1:{bench.inst.ports.api}/api/v1/wallboard/live",
        token=token,
        count=screens,
    )
    time.sleep(pause)
    board.start()
    pid = board.pid
    bench.helper_pids.append(pid)
    try:
        wait_quiet(bench, limit=quiet_wait)
        print(f"wallboard: {callers} calls with {screens} screens ...", flush=True)
        started, cpu_before = time.time(), measure.cpu_seconds(pid)
        with_screens = run_level(
            bench, "ari", callers, ramp_seconds=ramp_seconds, template=template, tag="-screens"
        )
        ended, cpu = time.time(), measure.cpu_seconds(pid) - cpu_before
        _print_level(with_screens)
    finally:
        bench.helper_pids.remove(pid)
        messages = board.stop()
    seen = wallboard_scenario.screens_result(
        messages, screens=screens, window=(started, ended), cpu_s=cpu
    )
    return WallboardRun(without, with_screens, seen)


def print_wallboard(run: WallboardRun) -> None:
    seen = run.screens
    print(
        f"\nwallboard scenario: {run.without.level} calls through the IVR into the queue,"
        f" without and with {seen.screens} screens on the live wallboard"
    )
    head = (
        f"{'run':<12} {'done':>5} {'failed':>6} {'p50 ms':>7} {'p99 ms':>7}"
        f" {'control':>8} {'Asterisk':>9} {'postgres':>8} {'other':>5}"
    )
    print(head + "\n" + "-" * len(head))
    for name, r in (("no screens", run.without), (f"{seen.screens} screens", run.with_screens)):
        print(
            f"{name:<12} {r.completed:>5} {r.failed:>6} {_fmt(r.p50):>7} {_fmt(r.p99):>7}"
            f" {_fmt(r.per_call_ms(r.controller_cpu_s)):>8}"
            f" {_fmt(r.per_call_ms(r.asterisk_cpu_s)):>9}"
            f" {_fmt(r.per_call_ms(r.postgres_cpu_s)):>8} {r.other_cores:>5.2f}"
        )
    w, wo = run.with_screens, run.without
    print(
        f"{'with/without':<12} {'':>5} {'':>6} {_fmt(_ratio(w.p50, wo.p50), '.2f'):>7}"
        f" {_fmt(_ratio(w.p99, wo.p99), '.2f'):>7}"
        f" {_fmt(_per_call_ratio(w, wo, 'controller_cpu_s'), '.2f'):>8}"
        f" {_fmt(_per_call_ratio(w, wo, 'asterisk_cpu_s'), '.2f'):>9}"
        f" {_fmt(_per_call_ratio(w, wo, 'postgres_cpu_s'), '.2f'):>8}"
    )
    latencies = seen.latencies_ms
    agree = (
        f"all {seen.screens} screens agree"
        if len(seen.offsets) == 1
        else f"the screens disagree: {seen.offsets}"
    )
    print(
        f"screens: {seen.messages} messages in the run, {len(latencies)} updates; update latency"
        f" p50 {_fmt(measure.percentile(latencies, 50))} ms, p99"
        f" {_fmt(measure.percentile(latencies, 99))} ms, max {_fmt(max(latencies, default=None))}"
        f" ms; service clock {seen.offset_minutes:+.0f} min from the wall clock ({agree});"
        f" {seen.reconnects} reconnects; the screens' process used {seen.cpu_s:.2f} s of CPU"
    )


def _per_call_ratio(a: PathResult, b: PathResult, cost: str) -> float | None:
    return _ratio(a.per_call_ms(getattr(a, cost)), b.per_call_ms(getattr(b, cost)))


def check_wallboard(run: WallboardRun) -> list[str]:
    """Both runs complete, the screens got updates in time, the IVR no worse with them."""
    problems = []
    for name, r in (("without screens", run.without), ("with screens", run.with_screens)):
        if r.failed:
            problems.append(f"wallboard run {name}: {r.failed} calls failed")
        if r.events_lost:
            problems.append(f"wallboard run {name}: {r.events_lost} events missing")
    seen = run.screens
    if len(seen.offsets) != 1 or seen.reconnects or not seen.latencies_ms:
        problems.append(
            f"wallboard screens: offsets {seen.offsets}, {seen.reconnects} reconnects,"
            f" {len(seen.latencies_ms)} updates"
        )
    p99 = measure.percentile(seen.latencies_ms, 99)
    if p99 is not None and p99 >= TARGET_WALLBOARD_P99_MS:
        problems.append(
            f"wallboard update latency p99 {p99:.0f} ms (target < {TARGET_WALLBOARD_P99_MS:.0f})"
        )
    ratio = _ratio(run.with_screens.p99, run.without.p99)
    if ratio is not None and ratio > TARGET_IVR_WITH_SCREENS:
        problems.append(
            f"IVR latency p99 with screens x{ratio:.2f} the run without"
            f" (target <= {TARGET_IVR_WITH_SCREENS})"
        )
    return problems


# --- report -----------------------------------------------------------------------------------


def _fmt(value: float | None, spec: str = ".1f") -> str:
    return "-" if value is None else format(value, spec)


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def print_table(results: list[PathResult]) -> None:
    head = (
        f"{'level':>5} {'path':<8} {'done':>5} {'failed':>6} {'p50 ms':>7} {'p99 ms':>7}"
        f" {'Asterisk':>9} {'control':>8} {'postgres':>8} {'events':>13} {'peak ast':>8}"
        f" {'peak ctl':>8} {'ast fds':>7} {'other':>5}"
    )
    print()
    print(
        "CPU columns: milliseconds of CPU time per completed call (idle use subtracted);"
        " peak: cores busy; other: cores used meanwhile by processes outside the benchmark"
    )
    print(head)
    print("-" * len(head))
    by_level: dict[int, dict[str, PathResult]] = {}
    for r in results:
        by_level.setdefault(r.level, {})[r.path] = r
        events = f"{r.events_written}/{r.events_expected}"
        print(
            f"{r.level:>5} {r.path:<8} {r.completed:>5} {r.failed:>6} {_fmt(r.p50):>7}"
            f" {_fmt(r.p99):>7} {_fmt(r.per_call_ms(r.asterisk_cpu_s)):>9}"
            f" {_fmt(r.per_call_ms(r.controller_cpu_s)):>8}"
            f" {_fmt(r.per_call_ms(r.postgres_cpu_s)):>8} {events:>13}"
            f" {r.peaks.asterisk_cores:>8.2f} {r.peaks.controller_cores:>8.2f}"
            f" {r.peaks.asterisk_fds:>7} {r.other_cores:>5.2f}"
        )
        if "ari" in by_level[r.level] and "dialplan" in by_level[r.level] and r.path != "ari":
            print_ratios(by_level[r.level]["ari"], by_level[r.level]["dialplan"])
    for r in results:
        notes = {**r.sipp_failures, **r.asterisk_problems, **r.controller_problems}
        if r.failed or r.events_lost:
            print(f"\n{r.path} at {r.level}: {r.failed} failed")
            for text, count in notes.items():
                print(f"    {count:>6} x {text}")


def print_ratios(ari: PathResult, dialplan: PathResult) -> None:
    ast = _ratio(ari.per_call_ms(ari.asterisk_cpu_s), dialplan.per_call_ms(dialplan.asterisk_cpu_s))
    share = _ratio(ari.controller_cpu_s, ari.asterisk_cpu_s)
    print(
        f"{'':>5} {'ARI/dp':<8} {'':>5} {'':>6} {_fmt(_ratio(ari.p50, dialplan.p50), '.2f'):>7}"
        f" {_fmt(_ratio(ari.p99, dialplan.p99), '.2f'):>7} {_fmt(ast, '.3f'):>9}"
        f" {_fmt(share, '.3f'):>8}   (Asterisk ARI/dialplan; controller/Asterisk)"
    )


def print_queue(results: list[queue_scenario.QueueResult]) -> None:
    print(
        f"\nqueue scenario: agents answer after {queue_scenario.RING_MS} ms and talk"
        f" {queue_scenario.TALK_MS / 1000:.0f} s; CPU in ms per answered call;"
        " entry to ring: the caller's Queue() to the first agent rung"
    )
    header = (
        f"{'path':<10}{'callers':>8}{'answered':>9}{'ring p50 ms':>12}{'ring p99 ms':>12}"
        f"{'Asterisk':>10}{'service':>9}{'postgres':>9}{'wall s':>8}"
    )
    print(header + "\n" + "-" * len(header))
    for r in results:
        print(
            f"{r.path:<10}{r.callers:>8}{r.answered:>9}"
            f"{_fmt(measure.percentile(r.entry_to_ring_ms, 50)):>12}"
            f"{_fmt(measure.percentile(r.entry_to_ring_ms, 99)):>12}"
            f"{_fmt(r.per_call_ms(r.asterisk_cpu_s)):>10}"
            f"{_fmt(r.per_call_ms(r.controller_cpu_s)):>9}"
            f"{_fmt(r.per_call_ms(r.postgres_cpu_s)):>9}{r.wall_seconds:>8.0f}"
        )
    for r in results:
        if r.expected:
            rows = ", ".join(f"{k} {r.written.get(k, 0)}/{v}" for k, v in r.expected.items())
            print(f"{r.path}: written/expected: {rows}")
    service, static = results
    p50 = _ratio(
        measure.percentile(service.entry_to_ring_ms, 50),
        measure.percentile(static.entry_to_ring_ms, 50),
    )
    print(f"entry to ring, service / app_queue alone: p50 x{_fmt(p50, '.2f')}")


def check_queue(results: list[queue_scenario.QueueResult]) -> list[str]:
    """The service's run must answer every caller and write every row. The app_queue run is
    only the reference it is compared with: a shortfall there is reported, not failed."""
    problems = []
    for r in results:
        if r.answered < r.callers and r.path == "service":
            problems.append(f"queue {r.path}: {r.callers - r.answered} callers not answered")
        elif r.answered < r.callers:
            print(
                f"\nwarning: app_queue alone answered {r.answered} of {r.callers}; its figures"
                " then measure a backlog, not routing"
            )
        if r.expected and r.written != r.expected:
            problems.append(f"queue {r.path}: written {r.written}, expected {r.expected}")
    return problems


def check_targets(results: list[PathResult]) -> list[str]:
    """Failures, lost events and missed targets, as sentences (empty when all is well)."""
    problems = []
    for r in results:
        if r.failed:
            problems.append(f"{r.path} at {r.level}: {r.failed} calls failed")
        if r.events_lost:
            problems.append(f"{r.path} at {r.level}: {r.events_lost} events missing")
    by_level: dict[int, dict[str, PathResult]] = {}
    for r in results:
        if r.completed:
            by_level.setdefault(r.level, {})[r.path] = r
    for level, paths in sorted(by_level.items()):
        if "ari" in paths and "dialplan" in paths:
            problems += targets.level_targets(level, paths["ari"], paths["dialplan"])
    ari = [r for r in results if r.path == "ari" and r.completed]
    dialplan = [r for r in results if r.path == "dialplan" and r.completed]
    if ari and dialplan:
        ari_ast = sum(r.asterisk_cpu_s for r in ari) / sum(r.completed for r in ari)
        dp_ast = sum(r.asterisk_cpu_s for r in dialplan) / sum(r.completed for r in dialplan)
        ratio = ari_ast / dp_ast
        print(
            f"\nall levels: Asterisk {1000 * ari_ast:.1f} ms/call via ARI, {1000 * dp_ast:.1f} via"
            f" dialplan (x{ratio:.3f}, target <= {TARGET_ASTERISK_RATIO})"
        )
        if ratio > TARGET_ASTERISK_RATIO:
            problems.append(
                f"Asterisk CPU per call via ARI is x{ratio:.3f} the dialplan's"
                f" (target <= {TARGET_ASTERISK_RATIO})"
            )
    return problems


def machine() -> dict[str, str]:
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return {
        "cpus": str(os.cpu_count()),
        "cpu_model": model,
        "ram_gib": f"{mem_kb / 1024 / 1024:.1f}",
        "kernel": platform.release(),
        "python": platform.python_version(),
        "asterisk": "",
    }


def _print_level(result: PathResult) -> None:
    print(
        f"  done {result.completed}/{result.level}, p50 {_fmt(result.p50)} ms,"
        f" p99 {_fmt(result.p99)} ms, Asterisk"
        f" {_fmt(result.per_call_ms(result.asterisk_cpu_s))} ms/call,"
        f" controller {_fmt(result.per_call_ms(result.controller_cpu_s))} ms/call"
        f" ({result.wall_seconds:.0f} s)",
        flush=True,
    )


# --- main -------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--levels",
        default=DEFAULT_LEVELS,
        help=f"calls at once, comma-separated (default {DEFAULT_LEVELS})",
    )
    parser.add_argument("--paths", default="ari,dialplan", help="ari, dialplan or both")
    parser.add_argument(
        "--ramp",
        type=float,
        default=10.0,
        help="seconds over which each level's calls are placed (default 10)",
    )
    parser.add_argument(
        "--pause", type=float, default=3.0, help="idle seconds between runs (default 3)"
    )
    parser.add_argument(
        "--idle",
        type=float,
        default=10.0,
        help="seconds of no calls over which idle CPU is measured (default 10)",
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=120.0,
        help="seconds to wait for other processes to calm down before each run (default 120)",
    )
    parser.add_argument(
        "--keep-going",
        action="store_true",
        help="run every level even after one failed (to find where each path breaks)",
    )
    parser.add_argument(
        "--no-targets",
        action="store_true",
        help="do not fail on missed targets (CPU, wallboard latency)",
    )
    parser.add_argument(
        "--scenarios",
        default="ivr,queue,wallboard",
        help="ivr (the levels above), queue and/or wallboard (default all three)",
    )
    parser.add_argument("--queue-agents", type=int, default=50, help="agent phones (default 50)")
    parser.add_argument("--queue-callers", type=int, default=500, help="callers (default 500)")
    parser.add_argument(
        "--queue-ramp",
        type=float,
        default=150.0,
        help="seconds over which the queue scenario's callers are placed (default 150)",
    )
    parser.add_argument(
        "--wallboard-clients",
        type=int,
        default=50,
        help="screens on the live wallboard in the wallboard scenario (default 50)",
    )
    parser.add_argument(
        "--wallboard-callers",
        type=int,
        default=500,
        help="calls at once through the IVR in the wallboard scenario (default 500)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    levels = [int(v) for v in args.levels.split(",") if v.strip()]
    paths = [p.strip() for p in args.paths.split(",") if p.strip()]
    scenarios = {p.strip() for p in args.scenarios.split(",") if p.strip()}
    if not scenarios or not scenarios <= {"ivr", "queue", "wallboard"}:
        raise SystemExit("--scenarios takes ivr, queue and/or wallboard")
    if args.wallboard_clients < 1 or args.wallboard_callers < 1:
        raise SystemExit("--wallboard-clients and --wallboard-callers take positive numbers")
    if not levels or any(level < 1 for level in levels) or not set(paths) <= set(PATHS):
        raise SystemExit("--levels takes positive numbers, --paths ari and/or dialplan")
    if os.geteuid() != 0:
        raise SystemExit("the benchmark needs root (the Asterisk sandbox is a chroot)")
    fd_limit = raise_fd_limit()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    work = instance("bench").run_dir / "bench" / stamp
    work.mkdir(parents=True, exist_ok=True)
    info = machine()
    print(
        f"machine: {info['cpus']} x {info['cpu_model']}, {info['ram_gib']} GiB,"
        f" kernel {info['kernel']}; work folder {work}",
        flush=True,
    )
    bench = set_up(work, fd_limit)
    results: list[PathResult] = []
    queue_results: list[queue_scenario.QueueResult] = []
    wallboard: WallboardRun | None = None
    try:
        info["asterisk"] = bench.cli("core show version").strip()
        templates = warm_up(bench)
        for path, names in templates.items():
            listed = ", ".join(f"{n}" if c == 1 else f"{n} x{c}" for n, c in names.items())
            print(f"warm-up: one {path} call writes {names.total()} events ({listed})")
        bench.idle_rates = measure_idle(bench, args.idle)
        print(
            "idle CPU (subtracted from every level): Asterisk {:.1f}, controller {:.1f},"
            " PostgreSQL {:.1f} ms per second".format(*(1000 * r for r in bench.idle_rates)),
            flush=True,
        )
        stopped = set()
        for level in levels if "ivr" in scenarios else []:
            for path in paths:
                if path in stopped:
                    continue
                time.sleep(args.pause)
                other = wait_quiet(bench, limit=args.quiet_wait)
                note = f" (other processes busy: {other:.2f} cores)" if other >= 0.15 else ""
                print(f"{path}: {level} calls ...{note}", flush=True)
                result = run_level(
                    bench,
                    path,
                    level,
                    ramp_seconds=args.ramp,
                    template=templates[path],
                )
                results.append(result)
                _print_level(result)
                if result.failed and not args.keep_going:
                    stopped.add(path)
        if "queue" in scenarios:
            wait_quiet(bench, limit=args.quiet_wait)
            print(
                f"queue: {args.queue_agents} agent phones, {args.queue_callers} callers"
                f" over {args.queue_ramp:.0f} s, through the service, then app_queue alone ...",
                flush=True,
            )
            queue_results = queue_scenario.run_scenario(
                bench,
                agents=args.queue_agents,
                callers=args.queue_callers,
                ramp_s=args.queue_ramp,
            )
        if "wallboard" in scenarios:
            wallboard = run_wallboard(
                bench,
                callers=args.wallboard_callers,
                screens=args.wallboard_clients,
                ramp_seconds=args.ramp,
                template=templates["ari"],
                pause=args.pause,
                quiet_wait=args.quiet_wait,
            )
    finally:
        tear_down(bench)
    problems: list[str] = []
    if results:
        print_table(results)
        problems += check_targets(results)
    if queue_results:
        print_queue(queue_results)
        problems += check_queue(queue_results)
    if wallboard:
        print_wallboard(wallboard)
        problems += check_wallboard(wallboard)
    (work / "results.json").write_text(
        json.dumps(
            {
                "machine": info,
                "args": vars(args),
                "results": [r.summary() for r in results],
                "queue": [r.summary() for r in queue_results],
                "wallboard": wallboard.summary() if wallboard else None,
            },
            indent=2,
        )
    )
    print(f"\nfigures saved in {work / 'results.json'}")
    targets_only = all("target" in p for p in problems)
    if problems and not (args.no_targets and targets_only):
        print("\nFAILED:\n  " + "\n  ".join(problems))
        return 1
    print("\nOK: no failed calls, no lost events" + ("" if problems else ", targets met"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
