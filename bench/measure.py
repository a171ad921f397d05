"""What the benchmark reads: CPU time from /proc, Asterisk's own log, and a few percentiles.

CPU is utime + stime of a whole process (all its threads) from /proc/<pid>/stat, read before
and after a level: the difference is what that level cost the process, whatever else runs on
the machine. PostgreSQL is a tree of processes: the postmaster, its live children, and the
children it has already reaped (cutime/cstime).

Latency is read from two clocks on the same machine: SIPp writes the UNIX time just before it
sends a key (SIP INFO), and Asterisk logs `Playing '<file>'` (verbose 3, millisecond stamps)
when a channel starts the next prompt, whoever asked for it: Read() in the dialplan, or the
controller's `POST /channels/{id}/play`. So the figure is what a caller waits between pressing
a key and hearing the next prompt begin, minus only the RTP path back to the phone, for both
IVRs alike. Channels are matched to SIPp calls through lines both paths already log (`Set` of
the call id for the controller's calls, `Set` of the caller number for the dialplan's).
"""

from __future__ import annotations

import math
import os
import re
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str]:
    text = Path(f"/proc/{pid}/stat").read_text()
    # The command name may hold spaces: fields start after its closing parenthesis.
    return text[text.rindex(")") + 2 :].split()


def cpu_seconds(pid: int, *, children: bool = False) -> float:
    """utime + stime of the process (and, with `children`, of its reaped children)."""
    fields = _stat_fields(pid)
    # Fields after the name: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14).
    total = int(fields[11]) + int(fields[12])
    if children:
        total += int(fields[13]) + int(fields[14])
    return total / TICKS


def tree_cpu_seconds(root_pid: int) -> float:
    """A process, its reaped children, and its live children (PostgreSQL's backends)."""
    total = cpu_seconds(root_pid, children=True)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = _stat_fields(int(entry.name))
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
        if int(fields[1]) == root_pid:
            total += (int(fields[11]) + int(fields[12])) / TICKS
    return total


def open_fds(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except FileNotFoundError:
        return 0


def fd_limit(pid: int) -> int:
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max open files"):
            return int(line.split()[3])
    return 0


@dataclass
class Peaks:
    """Highest values seen while a level ran, sampled twice a second."""

    asterisk_cores: float = 0.0
    controller_cores: float = 0.0
    asterisk_fds: int = 0
    controller_fds: int = 0
    idle_cpu_percent: float = 100.0  # lowest machine-wide idle seen


class Sampler:
    """Samples CPU use and open files of Asterisk and the controller in a background thread."""

    def __init__(self, asterisk_pid: int, controller_pid: int | None, period: float = 0.5) -> None:
        self._pids = (asterisk_pid, controller_pid)
        self._period = period
        self.peaks = Peaks()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        asterisk, controller = self._pids
        last = time.monotonic()
        last_cpu = (cpu_seconds(asterisk), cpu_seconds(controller) if controller else 0.0)
        last_machine = _machine_times()
        while not self._stop.wait(self._period):
            now = time.monotonic()
            try:
                cpu = (cpu_seconds(asterisk), cpu_seconds(controller) if controller else 0.0)
            except FileNotFoundError:
                return
            machine = _machine_times()
            wall = now - last
            p = self.peaks
            p.asterisk_cores = max(p.asterisk_cores, (cpu[0] - last_cpu[0]) / wall)
            p.controller_cores = max(p.controller_cores, (cpu[1] - last_cpu[1]) / wall)
            p.asterisk_fds = max(p.asterisk_fds, open_fds(asterisk))
            if controller:
                p.controller_fds = max(p.controller_fds, open_fds(controller))
            busy = machine[0] - last_machine[0]
            total = machine[1] - last_machine[1]
            if total > 0:
                p.idle_cpu_percent = min(p.idle_cpu_percent, 100.0 * (1 - busy / total))
            last, last_cpu, last_machine = now, cpu, machine


def machine_busy_seconds() -> float:
    """CPU seconds all processes of the machine have used (all CPUs), from /proc/stat."""
    return _machine_times()[0] / TICKS


def _machine_times() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


# --- Asterisk's log ---------------------------------------------------------------------------

_LINE = re.compile(
    r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3})\] (\w+)\[\d+\](?:\[[^\]]*\])? (.*)$"
)
_PLAYING = re.compile(r"<([^>]+)> Playing '([^']+)'")
_EXEC = re.compile(r'Executing \[([^@\]]+)@([^:\]]+):\d+\] (\w+)\("([^"]+)", "(.*)"\) in new stack')
_NUMBERS = re.compile(r"\d+")


@dataclass
class LogView:
    """What one level's slice of Asterisk's log says about its channels."""

    plays: dict[str, list[tuple[float, str]]] = field(default_factory=lambda: defaultdict(list))
    call_id_of: dict[str, str] = field(default_factory=dict)  # channel -> CCC_CALL_ID
    caller_of: dict[str, str] = field(default_factory=dict)  # channel -> BENCH_CALLER
    queued: set[str] = field(default_factory=set)  # channels that ran Queue()
    problems: Counter[str] = field(default_factory=Counter)  # WARNING/ERROR lines, by shape


def read_log(path: Path, offset: int, utc_offset: timedelta) -> tuple[LogView, int]:
    """Parse the log from `offset`; returns the view and the offset of the end."""
    view = LogView()
    zone = timezone(utc_offset)
    with path.open("rb") as handle:
        handle.seek(offset)
        data = handle.read()
    for raw in data.decode("utf-8", "replace").splitlines():
        match = _LINE.match(raw)
        if match is None:
            continue
        stamp, level, text = match.groups()
        if level in ("WARNING", "ERROR"):
            view.problems[f"{level} {_NUMBERS.sub('N', text)[:140]}"] += 1
            continue
        if "Playing '" in text:
            played = _PLAYING.search(text)
            if played:
                moment = datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=zone)
                name = played.group(2).rsplit("/", 1)[-1].split(".", 1)[0]
                view.plays[played.group(1)].append((moment.timestamp(), name))
            continue
        if "Executing [" not in text:
            continue
        executed = _EXEC.search(text)
        if executed is None:
            continue
        _exten, context, app, channel, args = executed.groups()
        if app == "Set" and args.startswith(("__CCC_CALL_ID=", "CCC_CALL_ID=")):
            view.call_id_of[channel] = args.split("=", 1)[1]
        elif app == "Set" and args.startswith("BENCH_CALLER="):
            view.caller_of[channel] = args.split("=", 1)[1]
        elif app == "Queue" and context == "ccc-queue":
            view.queued.add(channel)
    return view, offset + len(data)


def next_play(
    plays: list[tuple[float, str]], prompt: str, after: float, slack: float = 0.002
) -> float | None:
    """When `prompt` first started at or after `after` (the log's stamps are truncated to ms)."""
    for moment, name in plays:
        if name == prompt and moment >= after - slack:
            return moment
    return None


def percentile(values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile (no interpolation: p99 of 100 values is the 99th)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]
