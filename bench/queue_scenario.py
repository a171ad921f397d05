"""`make bench`'s queue scenario: agents on SIP phones take callers who came through the IVR.

Two runs on the same Asterisk, one after the other:

- **service**: the agents are in the roster (API), their phones register (one SIPp process
  plays all of them: a REGISTER with digest auth per agent, and an answering side for every
  call Asterisk places to any of them), they log in (API), and the callers go through the
  controller's IVR (half choose EBD, half Family) into the product's queues, where the service
  manages the members over AMI and turns app_queue's events into call events and agent states.
- **app_queue**: the same phones as static members of a copy of each team's queue
  (`bench_static_ebd`, `bench_static_family`: the generated settings, the team's phones), the
  controller stopped, the same callers through the pure-dialplan IVR of `dialplan_ivr.conf`
  into them: app_queue alone.

The agents answer after RING_MS, talk TALK_MS and hang up; wrap-up and ring time-outs are the
policy's. "Entry to ring" is read from Asterisk's log for both runs: from the caller's Queue()
to app_queue's "Called PJSIP/<agent>" on the same call (same thread, millisecond stamps).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import measure
import sipp_load
from sqlalchemy import text
from tests.sipp import (
    CallHandling,
    Credentials,
    Identity,
    answering_scenario,
    registration_scenario,
    sipp_command,
)

from ccc_telephony.devstack.stack import Stack
from ccc_telephony.store.engine import make_engine

TEAMS = ("ebd", "family")
STATIC_PREFIX = "bench_static_"  # bench_static_ebd, bench_static_family
QUEUE_NUMBER = "6085559901"  # dialplan_ivr.conf: straight into the static queue
EXTENSION_BASE = 4100  # the bench agents' extensions: 4101, 4102, ...
RING_MS = 300
TALK_MS = 2000
# The controller's clock is always in open hours (bench/controller.py): a protected-time block
# before the earliest opening never pauses a bench agent.
PROTECTED_START = "05:00"
ANSWER_WAIT_MS = 180_000  # a caller nobody answered in 3 minutes hangs up
QUEUE_EVENTS = ("queued", "queue_joined", "agent_ringing", "agent_answered", "agent_call_completed")
# Placeholders in the registration scenario that become SIPp's injection fields (an agent's
# extension, and the digest keyword with the password, per line of the CSV file): the scenario
# builder takes only plain tokens, SIPp fills these in per call.
_USER, _PASSWORD = "BENCHUSER", "BENCHPASSWORD"
_QUEUE_LINE = re.compile(r'Executing \[[^\]]+\] Queue\("([^"]+)", "([^",]*)')
_CALLED = re.compile(r"app_queue\.c: Called (PJSIP/\d+)")
_STAMPED = re.compile(
    r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3})\] VERBOSE\[\d+\]\[(C-[0-9a-f]+)\] (.*)$"
)


@dataclass(frozen=True)
class Agent:
    id: str
    extension: str
    team: str


def roster(count: int) -> list[Agent]:
    return [
        Agent(f"bench-{n:03d}", str(EXTENSION_BASE + n), "ebd" if n % 2 else "family")
        for n in range(1, count + 1)
    ]


@dataclass
class QueueResult:
    path: str  # "service" or "app_queue"
    callers: int
    answered: int
    entry_to_ring_ms: list[float]
    asterisk_cpu_s: float
    controller_cpu_s: float
    postgres_cpu_s: float
    wall_seconds: float
    written: dict[str, int] = field(default_factory=dict)  # service only: what landed
    expected: dict[str, int] = field(default_factory=dict)  # ... and what should have
    sipp_failures: dict[str, int] = field(default_factory=dict)

    def per_call_ms(self, seconds: float) -> float | None:
        return 1000 * seconds / self.answered if self.answered else None

    def summary(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "callers": self.callers,
            "answered": self.answered,
            "entry_to_ring_ms_p50": measure.percentile(self.entry_to_ring_ms, 50),
            "entry_to_ring_ms_p99": measure.percentile(self.entry_to_ring_ms, 99),
            "asterisk_ms_per_call": self.per_call_ms(self.asterisk_cpu_s),
            "controller_ms_per_call": self.per_call_ms(self.controller_cpu_s),
            "postgres_ms_per_call": self.per_call_ms(self.postgres_cpu_s),
            "wall_seconds": self.wall_seconds,
            "written": self.written,
            "expected": self.expected,
            "sipp_failures": self.sipp_failures,
        }


# --- the service's API ------------------------------------------------------------------------


class Api:
    def __init__(self, port: int, token: str) -> None:
        self._base = f"http://127.0.0.1:{port}/api/v1"
        self._token = token

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self._base + path,
            data=data,
            method=method,
            headers={"Authorization": f"Bearer {self._token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as reply:
                return reply.status, json.loads(reply.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")[:300]

    def must(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        status, reply = self.call(method, path, body)
        if status >= 300:
            raise SystemExit(f"{method} {path}: {status} {reply}")
        return reply


def enrol(api: Api, agents: list[Agent], secrets_dir: Path) -> dict[str, str]:
    """Fresh roster entries (a run that was cut short may have left some); their passwords."""
    for agent in agents:
        api.call("DELETE", f"/agents/{agent.id}")
        api.must(
            "POST",
            "/agents",
            {
                "id": agent.id,
                "name": f"Bench {agent.id[-3:]}",
                "extension": agent.extension,
                "team": agent.team,
                "protected_start": PROTECTED_START,
            },
        )
    return {
        a.extension: (secrets_dir / "agent-phones" / a.extension).read_text().strip()
        for a in agents
    }


def remove(api: Api, agents: list[Agent]) -> None:
    for agent in agents:
        api.call("POST", f"/agents/{agent.id}/logout")
        api.call("DELETE", f"/agents/{agent.id}")


# --- the phones ---------------------------------------------------------------------------------


class Phones:
    """All the agents' phones in one SIPp: its main scenario REGISTERs one agent per call (the
    CSV file gives extension and password) and then waits; every call Asterisk places to any
    of them is answered by the out-of-call scenario."""

    def __init__(self, work: Path, passwords: dict[str, str], *, registrar: str) -> None:
        self.work = work
        self.passwords = passwords
        self.registrar = registrar
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, local_port: int, media_port: int, lifetime_s: int) -> None:
        self.work.mkdir(parents=True, exist_ok=True)
        users = self.work / "phones.csv"
        # SIPp fills no keyword inside [authentication ...], but takes the whole keyword from
        # an injection field.
        lines = [
            f"{ext};[authentication username={ext} password={password}];"
            for ext, password in self.passwords.items()
        ]
        users.write_text("SEQUENTIAL\n" + "\n".join(lines) + "\n")
        register = registration_scenario(
            Identity(user=_USER), Credentials(_USER, _PASSWORD), expires_s=3600
        ).render()
        main = self.work / "register.xml"
        auth = f"[authentication username={_USER} password={_PASSWORD}]"
        if auth not in register:
            raise SystemExit("the registration scenario no longer has the expected digest line")
        main.write_text(register.replace(auth, "[field1]").replace(_USER, "[field0]"))
        answer = self.work / "answer.xml"
        handling = CallHandling(ring_ms=RING_MS, hold_ms=TALK_MS)
        answer.write_text(answering_scenario(Identity(user="agent"), handling).render())
        count = len(self.passwords)
        command = sipp_command(
            main,
            target=self.registrar,
            local_port=local_port,
            media_port=media_port,
            calls=count,
            concurrency=count,
            rate=count,
            timeout_s=lifetime_s,
            trace_dir=self.work,
            extra=[
                "-inf",
                str(users),
                "-oocsf",
                str(answer),
                "-trace_screen",
                "-screen_file",
                str(self.work / "screen.log"),
                "-trace_msg",
                "-message_file",
                str(self.work / "messages.log"),
            ],
        )
        out = (self.work / "sipp.out").open("ab")
        self.process = subprocess.Popen(
            command,
            cwd=self.work,
            stdout=out,
            stderr=out,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        out.close()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def wait_registered(cli: Any, extensions: list[str], *, port: int, timeout: float = 30) -> None:
    """Until every extension's contact is this SIPp's (a previous run's may still be there)."""
    deadline = time.monotonic() + timeout
    while True:
        shown = cli("pjsip show contacts")
        missing = [ext for ext in extensions if f"{ext}/sip:{ext}@127.0.0.1:{port}" not in shown]
        if not missing:
            return
        if time.monotonic() > deadline:
            raise SystemExit(f"agent phones not registered: {', '.join(missing[:10])} ...")
        time.sleep(0.5)


# --- Asterisk's log: entry to ring --------------------------------------------------------------


@dataclass
class LogCounts:
    entered: int  # callers who ran Queue() on one of the queues
    rung: int  # agents rung ("Called PJSIP/...")
    entry_to_ring_ms: list[float]  # per caller: Queue() to the first agent rung


def read_queue_log(log_path: Path, offset: int, queues: set[str]) -> LogCounts:
    """What Asterisk's log says about the calls into `queues` from `offset` on."""
    entered: dict[str, datetime] = {}
    latencies = []
    callers = rung = 0
    with log_path.open("rb") as handle:
        handle.seek(offset)
        data = handle.read().decode("utf-8", "replace")
    for raw in data.splitlines():
        match = _STAMPED.match(raw)
        if match is None:
            continue
        stamp, call, rest = match.groups()
        moment = datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S.%f")
        queued = _QUEUE_LINE.search(rest)
        if queued and queued.group(2) in queues:
            if call not in entered:
                callers += 1
                entered[call] = moment
        elif _CALLED.search(rest):
            rung += 1
            if call in entered:
                latencies.append((moment - entered.pop(call)) / timedelta(milliseconds=1))
    return LogCounts(entered=callers, rung=rung, entry_to_ring_ms=latencies)


def static_queues(queues_conf: str, team: list[Agent]) -> str:
    """Each team's queue again, its settings as generated, its agents as static members: the
    same load per queue as the service run (one queue for everyone would take twice the
    callers per queue, and app_queue rings one caller of a queue at a time)."""
    sections = []
    for name in TEAMS:
        section = re.search(rf"^\[{name}\]\n(.*?)(?=^\[|\Z)", queues_conf, re.M | re.S)
        if section is None:
            raise SystemExit(f"queues.conf has no [{name}] queue to copy")
        settings = "".join(
            line + "\n" for line in section.group(1).splitlines() if not line.startswith("member")
        )
        members = "".join(f"member => PJSIP/{a.extension}\n" for a in team if a.team == name)
        sections.append(f"\n[{STATIC_PREFIX}{name}]\n{settings}{members}")
    return "".join(sections)


# --- what the service wrote ---------------------------------------------------------------------


async def written(
    database_url: str, caller_name: str, agent_ids: list[str], since: datetime
) -> dict[str, int]:
    """Queue events of this run's calls, by name, and the agent state intervals opened."""
    engine = make_engine(database_url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                text(
                    "SELECT e.name, count(*) FROM call_events e JOIN calls c USING (call_id)"
                    " WHERE c.caller_name = :name GROUP BY e.name"
                ),
                {"name": caller_name},
            )
            events = Counter({name: count for name, count in rows})
            states = await conn.scalar(
                text(
                    "SELECT count(*) FROM agent_states"
                    " WHERE agent_id = ANY(:ids) AND started_at >= :since"
                ),
                {"ids": agent_ids, "since": since},
            )
    finally:
        await engine.dispose()
    return {**{name: events[name] for name in QUEUE_EVENTS}, "agent_states": int(states or 0)}


def expected(log: LogCounts, answered: int) -> dict[str, int]:
    """Every caller who reached app_queue: queued (our IVR's hand-off) and queue_joined; per
    agent rung, agent_ringing; per answered call, agent_answered and agent_call_completed, and
    two agent state intervals (Call Inbound, then Ready again; the agents logged in before)."""
    return {
        "queued": log.entered,
        "queue_joined": log.entered,
        "agent_ringing": log.rung,
        "agent_answered": answered,
        "agent_call_completed": answered,
        "agent_states": 2 * answered,
    }


def menu_keys(run_dir: Path, callers: int) -> Path:
    """SIPp's injection file: half the callers choose EBD (1), half Family (2), alternately."""
    path = run_dir / "menu.csv"
    path.write_text("SEQUENTIAL\n" + "".join(f"{1 + n % 2};\n" for n in range(callers)))
    return path


def run_callers(
    plan: sipp_load.CallerPlan,
    run_dir: Path,
    *,
    target: str,
    service: str,
    callers: int,
    ramp_s: float,
    ports: tuple[int, int],
    inject: Path,
) -> sipp_load.SippResult:
    """`callers` calls placed evenly over `ramp_s`, each waiting for an agent."""
    scenario_file = run_dir / "caller.xml"
    scenario_file.write_text(sipp_load.scenario(plan), encoding="iso-8859-1")
    timeout_s = int(ramp_s) + 40 + (plan.answer_wait_ms or 0) // 1000 + 30
    command = sipp_load.command(
        scenario_file,
        run_dir,
        target=target,
        service=service,
        calls=callers,
        rate_calls=callers,
        rate_period_ms=max(int(ramp_s * 1000), 1),
        local_port=ports[0],
        media_port=ports[1],
        timeout_s=timeout_s,
        extra=["-inf", str(inject)],
    )
    return sipp_load.run(command, run_dir, timeout_s=timeout_s)


# --- the scenario -------------------------------------------------------------------------------


class Host(Protocol):
    """What the scenario needs of run.py's Bench (the stack, its processes, its measures)."""

    work: Path
    log_path: Path
    etc: Path
    stack: Stack

    def cli(self, command: str) -> str: ...
    def next_ports(self) -> tuple[int, int]: ...
    def cpu(self) -> tuple[float, float, float]: ...
    def start_controller(self) -> None: ...
    def stop_controller(self) -> None: ...
    def wait_no_channels(self) -> None: ...
    def write_config(self, path: Path, text: str) -> None: ...
    @property
    def main_number(self) -> str: ...


def run_scenario(host: Host, *, agents: int, callers: int, ramp_s: float) -> list[QueueResult]:
    """The service run, then the app_queue run; agents removed at the end."""
    team = roster(agents)
    settings = host.stack.settings()
    api = Api(host.stack.inst.ports.api, settings.secret("admin-token").get_secret_value())
    passwords = enrol(api, team, settings.secrets_dir)
    try:
        with _phones(host, passwords, "service", ramp_s):
            for agent in team:
                api.must("POST", f"/agents/{agent.id}/login")
            service = _run(host, "service", callers, ramp_s, team)
            for agent in team:
                api.must("POST", f"/agents/{agent.id}/logout")
        host.stop_controller()
        try:
            with _phones(host, passwords, "app_queue", ramp_s):
                baseline = _with_static_queue(
                    host, team, lambda: _run(host, "app_queue", callers, ramp_s, team)
                )
        finally:
            host.start_controller()
    finally:
        remove(api, team)
    return [service, baseline]


@contextlib.contextmanager
def _phones(host: Host, passwords: dict[str, str], path: str, ramp_s: float) -> Iterator[None]:
    """Fresh phones for each run: SIPp (3.6.1) stopped firing its timers in a process that had
    run for about seven minutes, leaving calls ringing for ever."""
    phones = Phones(
        host.work / f"queue-phones-{path}",
        passwords,
        registrar=f"127.0.0.1:{host.stack.inst.ports.sip}",
    )
    local_port, media_port = host.next_ports()
    phones.start(local_port, media_port, lifetime_s=int(ramp_s + 60 + ANSWER_WAIT_MS / 1000) + 120)
    try:
        wait_registered(host.cli, list(passwords), port=local_port)
        yield
    finally:
        phones.stop()


def _run(host: Host, path: str, callers: int, ramp_s: float, team: list[Agent]) -> QueueResult:
    """One run of `callers` callers; `path` "service" (the IVR, the product's queues, agents
    managed by the service) or "app_queue" (straight into the static queue)."""
    host.wait_no_channels()
    run_dir = host.work / f"queue-{path}"
    run_dir.mkdir(parents=True, exist_ok=True)
    name = f"ccc bench queue {host.work.name}"
    # The same callers, keys and IVR timing on both paths: only what follows the IVR differs.
    plan = sipp_load.ivr_plan(name, "556", menu_key="[field0]", answer_wait_ms=ANSWER_WAIT_MS)
    if path == "service":
        number, queues = host.main_number, {"ebd", "family"}
    else:
        number, queues = QUEUE_NUMBER, {STATIC_PREFIX + name for name in TEAMS}
    offset = host.log_path.stat().st_size
    since = datetime.now(UTC)
    before, started = host.cpu(), time.monotonic()
    calls = run_callers(
        plan,
        run_dir,
        target=f"127.0.0.1:{host.stack.inst.ports.sip}",
        service=number,
        callers=callers,
        ramp_s=ramp_s,
        ports=host.next_ports(),
        inject=menu_keys(run_dir, callers),
    )
    host.wait_no_channels()
    wall, after = time.monotonic() - started, host.cpu()
    log = read_queue_log(host.log_path, offset, queues)
    cost = [a - b for a, b in zip(after, before, strict=True)]
    result = QueueResult(
        path=path,
        callers=callers,
        answered=len(calls.answered),
        entry_to_ring_ms=log.entry_to_ring_ms,
        asterisk_cpu_s=cost[0],
        controller_cpu_s=cost[1],
        postgres_cpu_s=cost[2],
        wall_seconds=round(wall, 1),
        sipp_failures=calls.failure_reasons,
    )
    if path == "service":
        result.expected = expected(log, result.answered)
        ids = [a.id for a in team]
        # The service writes as events arrive; give the last ones a moment to land.
        deadline = time.monotonic() + 15
        while True:
            result.written = asyncio.run(written(host.stack.database_url, name, ids, since))
            if result.written == result.expected or time.monotonic() > deadline:
                break
            time.sleep(1)
    return result


def _with_static_queue(
    host: Host, team: list[Agent], work: Callable[[], QueueResult]
) -> QueueResult:
    """Run `work` with the static queues added to Asterisk's queues.conf, then take them out."""
    conf = host.etc / "queues.conf"
    original = conf.read_text()
    host.write_config(conf, original + static_queues(original, team))
    try:
        host.cli("module reload app_queue.so")
        shown = "".join(host.cli(f"queue show {STATIC_PREFIX}{name}") for name in TEAMS)
        missing = [a.extension for a in team if f"PJSIP/{a.extension}" not in shown]
        if missing:
            raise SystemExit(f"the static queues lack members {missing[:5]}: {shown[:300]}")
        return work()
    finally:
        host.write_config(conf, original)
        host.cli("module reload app_queue.so")
