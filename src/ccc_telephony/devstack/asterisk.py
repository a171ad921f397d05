"""Run one sandbox instance of Asterisk from the cached chroot: install config, start, stop."""

from __future__ import annotations

import base64
import os
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import structlog

from ccc_telephony.asterisk.confgen import Site, render
from ccc_telephony.config.policy import Policy
from ccc_telephony.devstack.instance import REPO, Instance

log = structlog.get_logger(__name__)

ASTERISK_UID = 101  # the chroot's asterisk user (the host's postgres uid: never mix them up)
# Popen objects of the Asteriskes this process started, kept so they are reaped, not leaked.
_children: dict[int, subprocess.Popen[bytes]] = {}
SUBDIRS = ("etc", "run", "log", "spool/recording", "lib", "cache", "sounds")


def host_path(root: Path, inst: Instance, *parts: str) -> Path:
    return root / inst.inner_dir.lstrip("/") / Path(*parts)


def asterisk_conf(inst: Instance) -> str:
    inner = inst.inner_dir
    return (
        "[directories]\n"
        f"astetcdir => {inner}/etc\n"
        "astmoddir => /usr/lib/x86_64-linux-gnu/asterisk/modules\n"
        "astvarlibdir => /var/lib/asterisk\n"
        f"astdbdir => {inner}/lib\n"
        "astkeydir => /var/lib/asterisk\n"
        "astdatadir => /usr/share/asterisk\n"
        "astagidir => /usr/share/asterisk/agi-bin\n"
        f"astspooldir => {inner}/spool\n"
        f"astrundir => {inner}/run\n"
        f"astlogdir => {inner}/log\n"
        f"astcachedir => {inner}/cache\n"
        "astsbindir => /usr/sbin\n\n"
        "[options]\nverbose=3\ndebug=0\nmaxfiles=65536\ntransmit_silence=yes\n"
        "hideconnect=yes\ndocumentation_language=en_US\n"
    )


def install(root: Path, inst: Instance, policy: Policy, site: Site) -> None:
    """Write this instance's configuration into the chroot (idempotent; running calls unharmed)."""
    for sub in SUBDIRS:
        host_path(root, inst, sub).mkdir(parents=True, exist_ok=True)
    etc = host_path(root, inst, "etc")
    files = render(policy, site)
    files["asterisk.conf"] = asterisk_conf(inst)
    files["extensions.conf"] = (REPO / "dialplan" / "extensions.conf").read_text()
    # Debian's own tone tables (ringback, busy) for the instance.
    files["indications.conf"] = (root / "etc/asterisk/indications.conf").read_text()
    for name, text in files.items():
        _write_if_changed(etc / name, text)
    _chown_tree(host_path(root, inst))


def _write_if_changed(path: Path, text: str) -> None:
    if path.exists() and path.read_text() == text:
        return
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text)
    tmp.chmod(0o640)
    tmp.replace(path)


def _chown_tree(top: Path) -> None:
    for dirpath, _dirs, files in os.walk(top):
        os.chown(dirpath, ASTERISK_UID, ASTERISK_UID)
        for name in files:
            os.chown(os.path.join(dirpath, name), ASTERISK_UID, ASTERISK_UID)
    os.chown(top.parent, 0, 0)


def pid_file(inst: Instance) -> Path:
    return inst.run_dir / "asterisk.pid"


def running_pid(inst: Instance) -> int | None:
    try:
        pid = int(pid_file(inst).read_text())
    except (FileNotFoundError, ValueError):
        return None
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return None
    return pid if b"asterisk" in cmdline and inst.inner_dir.encode() in cmdline else None


def start(root: Path, inst: Instance, site: Site, *, timeout: float = 30.0) -> int:
    """Start Asterisk in the background (by PID) and return once ARI answers 200."""
    pid = running_pid(inst)
    if pid is None:
        inst.run_dir.mkdir(parents=True, exist_ok=True)
        out = (inst.run_dir / "asterisk.out").open("ab")
        cmd = [
            "chroot",
            str(root),
            "/usr/sbin/asterisk",
            "-f",
            "-C",
            f"{inst.inner_dir}/etc/asterisk.conf",
            "-U",
            "asterisk",
            "-G",
            "asterisk",
        ]
        proc = subprocess.Popen(
            cmd, stdout=out, stderr=out, stdin=subprocess.DEVNULL, start_new_session=True
        )
        out.close()
        pid = proc.pid
        _children[pid] = proc
        pid_file(inst).write_text(f"{pid}\n")
        log.info("asterisk starting", instance=inst.name, pid=pid)
    wait_ready(site, timeout=timeout, pid=pid)
    return pid


def wait_ready(site: Site, *, timeout: float, pid: int | None = None) -> None:
    url = f"http://{site.http_address}:{site.http_port}/ari/asterisk/info"
    token = base64.b64encode(f"{site.ari_user}:{site.ari_password}".encode()).decode()
    request = urllib.request.Request(url, headers={"Authorization": f"Basic {token}"})
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if pid is not None and not Path(f"/proc/{pid}").exists():
            raise SystemExit(f"Asterisk exited during start-up; see its output ({last})")
        try:
            with urllib.request.urlopen(request, timeout=2) as reply:  # noqa: S310 (loopback)
                if reply.status == 200:
                    return
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}"
        except OSError as exc:
            last = str(exc)
        time.sleep(0.1)
    raise SystemExit(f"Asterisk did not become ready in {timeout:.0f} s: {last}")


def stop(inst: Instance, *, timeout: float = 10.0) -> None:
    pid = running_pid(inst)
    if pid is not None:
        os.kill(pid, signal.SIGTERM)
        if not _wait_exit(pid, timeout):
            os.kill(pid, signal.SIGKILL)
            _wait_exit(pid, 5)
        log.info("asterisk stopped", instance=inst.name)
    pid_file(inst).unlink(missing_ok=True)


def _wait_exit(pid: int, timeout: float) -> bool:
    """Wait for the process to end, reaping it if this process started it."""
    child = _children.get(pid)
    if child is not None:
        try:
            child.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return False
        del _children[pid]
        return True
    deadline = time.monotonic() + timeout
    while Path(f"/proc/{pid}").exists():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def cli(root: Path, inst: Instance, command: str) -> str:
    """Run one Asterisk CLI command against this instance (its own control socket)."""
    result = subprocess.run(
        [
            "chroot",
            str(root),
            "/usr/sbin/asterisk",
            "-C",
            f"{inst.inner_dir}/etc/asterisk.conf",
            "-rx",
            command,
        ],
        capture_output=True,
        text=True,
        timeout=15,
        check=False,
    )
    return result.stdout


def copy_tree(src: Path, dest: Path) -> None:
    """Copy a folder into the chroot, owned by Asterisk (sounds)."""
    shutil.copytree(src, dest, dirs_exist_ok=True)
    _chown_tree(dest)
