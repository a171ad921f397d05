"""The sandbox's mail catcher: a local SMTP server (aiosmtpd) that keeps every message it
receives as a file in the instance's run folder (a Maildir: `.run/<instance>/mail/new/`), so
whoever runs `make run` or `make up` (and every test) sees what the service sent without a
real mail server. Only for the sandbox: production names the agency's SMTP server.

It runs as a process of its own, started and stopped with the sandbox like Asterisk, and is
found again by its PID file, so a restarted service keeps sending to the same one.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import structlog

from ccc_telephony.devstack.instance import Instance

log = structlog.get_logger(__name__)

_children: dict[int, subprocess.Popen[bytes]] = {}


def maildir(inst: Instance) -> Path:
    return inst.run_dir / "mail"


def _pid_file(inst: Instance) -> Path:
    return inst.run_dir / "mail-catcher.pid"


def running_pid(inst: Instance) -> int | None:
    try:
        pid = int(_pid_file(inst).read_text())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (FileNotFoundError, ValueError):
        return None
    return pid if __name__.encode() in cmdline and str(maildir(inst)).encode() in cmdline else None


def start(inst: Instance, *, timeout: float = 20.0) -> None:
    """The catcher for this instance, listening on its mail port, once it accepts connections."""
    proc = None
    if running_pid(inst) is None:
        inst.run_dir.mkdir(parents=True, exist_ok=True)
        out = (inst.run_dir / "mail-catcher.log").open("ab")
        command = [
            sys.executable,
            "-m",
            __name__,
            "--port",
            str(inst.ports.mail),
            "--maildir",
            str(maildir(inst)),
        ]
        proc = subprocess.Popen(
            command, stdout=out, stderr=out, stdin=subprocess.DEVNULL, start_new_session=True
        )
        out.close()
        _children[proc.pid] = proc
        _pid_file(inst).write_text(f"{proc.pid}\n")
    deadline = time.monotonic() + timeout
    while not _answers(inst.ports.mail):
        # (not running_pid: just after the fork, /proc shows this process's command line)
        if time.monotonic() > deadline or (proc is not None and proc.poll() is not None):
            code = None if proc is None else proc.returncode
            raise RuntimeError(f"the mail catcher did not start (exit {code}); see {inst.run_dir}")
        time.sleep(0.05)
    log.info("mail catcher ready", port=inst.ports.mail, maildir=str(maildir(inst)))


def stop(inst: Instance) -> None:
    pid = running_pid(inst)
    if pid is not None:
        os.kill(pid, signal.SIGTERM)
        child = _children.pop(pid, None)
        if child is not None:
            child.wait(timeout=10)
    _pid_file(inst).unlink(missing_ok=True)


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def main(argv: list[str] | None = None) -> None:
    """The catcher itself (aiosmtpd is a development dependency: imported only here)."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Mailbox

    parser = argparse.ArgumentParser(description="the sandbox's SMTP mail catcher")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--maildir", type=Path, required=True)
    args = parser.parse_args(argv)
    for folder in ("tmp", "new", "cur"):  # a Maildir (owner only: mail may name callers)
        (args.maildir / folder).mkdir(parents=True, exist_ok=True, mode=0o700)
    controller = Controller(Mailbox(args.maildir), hostname="127.0.0.1", port=args.port)
    controller.start()
    try:
        signal.sigwait({signal.SIGTERM, signal.SIGINT})
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
