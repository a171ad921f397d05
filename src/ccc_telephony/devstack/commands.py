"""`ccc-telephony sandbox run|up|down|status|prepare|packages`: what `make run`, `make up`,
`make down` and (packages: the host's sox, SIPp, ... the unit tests use too) `make test` call."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from ccc_telephony.devstack import asterisk, host, mail, postgres
from ccc_telephony.devstack.instance import Instance, instance
from ccc_telephony.devstack.stack import banner, prepare, teardown


def dispatch(action: str, name: str) -> int:
    inst = instance(name)
    if action == "prepare":
        print(banner(prepare(inst)))
        return 0
    if action == "packages":
        host.ensure_packages()
        return 0
    if action == "run":
        return _run(inst)
    if action == "up":
        return _up(inst)
    if action == "down":
        return _down(inst)
    return _status(inst)


def _run(inst: Instance) -> int:
    from ccc_telephony.app import Service, serve

    stack = prepare(inst)
    print(banner(stack), flush=True)
    print("Ctrl-C stops the service, Asterisk and the sandbox database.", flush=True)
    try:
        serve(Service(stack.settings()))
    finally:
        teardown(stack)
    return 0


def _service_pid_file(inst: Instance) -> Path:
    return inst.run_dir / "service.pid"


def _service_pid(inst: Instance) -> int | None:
    try:
        pid = int(_service_pid_file(inst).read_text())
        os.kill(pid, 0)
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return None
    return pid


def _up(inst: Instance) -> int:
    stack = prepare(inst)
    if _service_pid(inst) is None:
        log_file = (inst.run_dir / "service.log").open("ab")
        env = {
            **os.environ,
            **stack.env,
            "CCC_LOG_FORMAT": os.environ.get("CCC_LOG_FORMAT", "json"),
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "ccc_telephony", "run"],
            env=env,
            stdout=log_file,
            stderr=log_file,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log_file.close()
        _service_pid_file(inst).write_text(f"{proc.pid}\n")
    if not _wait_ready(inst, timeout=60):
        print(
            f"the service did not become ready; see {inst.run_dir / 'service.log'}", file=sys.stderr
        )
        return 1
    print(banner(stack))
    return 0


def _wait_ready(inst: Instance, *, timeout: float) -> bool:
    url = f"http://127.0.0.1:{inst.ports.api}/readyz"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _service_pid(inst) is None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:
                if json.load(reply).get("ready"):
                    return True
        except (urllib.error.URLError, OSError, ValueError):
            pass
        time.sleep(0.2)
    return False


def _down(inst: Instance) -> int:
    pid = _service_pid(inst)
    if pid is not None:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and _service_pid(inst) is not None:
            if (
                Path(f"/proc/{pid}/status").exists()
                and "zombie" in Path(f"/proc/{pid}/status").read_text()
            ):
                break
            time.sleep(0.1)
        if _service_pid(inst) is not None:
            os.kill(pid, signal.SIGKILL)
    _service_pid_file(inst).unlink(missing_ok=True)
    asterisk.stop(inst)
    mail.stop(inst)
    postgres.stop_cluster(inst.run_dir / "pg")
    print(f"sandbox '{inst.name}' is down")
    return 0


def _status(inst: Instance) -> int:
    print(f"service  : {_service_pid(inst) or 'stopped'}")
    print(f"asterisk : {asterisk.running_pid(inst) or 'stopped'}")
    print(f"postgres : {'running' if postgres.is_running(inst.run_dir / 'pg') else 'stopped'}")
    print(f"mail     : {mail.running_pid(inst) or 'stopped'}")
    return 0
