"""A private PostgreSQL 15 cluster for `make run` and the tests, owned by the `postgres` user.

Debian's server binaries are used directly (not pg_ctlcluster) so the cluster lives entirely
under one folder of the clone and never touches a system cluster. initdb refuses to run as
root, so every server command runs as `postgres` through runuser when we are root.

Layout under run_dir: `data/` (the cluster), `sock/` (its Unix socket), `postgres.log`.
"""

from __future__ import annotations

import os
import pwd
import shlex
import shutil
import stat
import subprocess
import time
from pathlib import Path

import structlog

from ccc_telephony.devstack.locks import locked

log = structlog.get_logger(__name__)

PG_BIN = Path("/usr/lib/postgresql/15/bin")
PG_USER = "postgres"
DATABASE = "ccc"
# After a SIGKILL the old backends notice their postmaster is gone within milliseconds, but
# until they exit the new postmaster refuses the shared memory they still hold: retry a while.
START_DEADLINE_SECONDS = 15.0


def ensure_cluster(run_dir: Path, port: int) -> str:
    """Create, start and provision the cluster as needed; safe to call any number of times."""
    run_dir = run_dir.resolve()
    _prepare_run_dir(run_dir)
    with locked(run_dir / ".lock"):  # parallel test runs, `make run` beside `make test`
        data = run_dir / "data"
        if not (data / "PG_VERSION").exists():
            _initdb(data)
        if is_running(run_dir) and _running_port(data) != port:
            log.info("restarting postgres on another port", port=port)
            _stop(data)
        if not is_running(run_dir):
            _start(run_dir, port)
        _ensure_database(run_dir, port)
    return cluster_url(port)


def cluster_url(port: int) -> str:
    """The database of the cluster on `port`, as the service and the CLI reach it."""
    return f"postgresql://{PG_USER}@127.0.0.1:{port}/{DATABASE}"


def stop_cluster(run_dir: Path) -> None:
    """Fast shutdown (disconnects clients) if the cluster is running; nothing otherwise."""
    run_dir = run_dir.resolve()
    if not run_dir.exists():
        return
    with locked(run_dir / ".lock"):  # parallel test runs, `make run` beside `make test`
        if is_running(run_dir):
            _stop(run_dir / "data")


def is_running(run_dir: Path) -> bool:
    """Whether the postmaster named in postmaster.pid is alive and is really this cluster's.

    A bare PID check is not enough: after a SIGKILL the PID can be reused, and on these
    machines the chroot's Asterisk runs under the same uid as `postgres`.
    """
    data = run_dir.resolve() / "data"
    pid = _recorded_pid(data)
    if pid is None:
        return False
    proc = Path("/proc") / str(pid)
    try:
        exe = Path(os.readlink(proc / "exe"))
        cwd = Path(os.readlink(proc / "cwd"))
    except FileNotFoundError:
        return False
    except PermissionError:
        return proc.exists()
    return exe.name in {"postgres", "postmaster"} and cwd == data


def _recorded_pid(data: Path) -> int | None:
    try:
        first = (data / "postmaster.pid").read_text().split("\n", 1)[0].strip()
    except FileNotFoundError:
        return None
    return int(first) if first.isdigit() else None


def _running_port(data: Path) -> int | None:
    """The port a live postmaster listens on: line 4 of postmaster.pid."""
    lines = (data / "postmaster.pid").read_text().splitlines()
    return int(lines[3]) if len(lines) > 3 and lines[3].strip().isdigit() else None


def _as_postgres(*cmd: str) -> list[str]:
    return ["runuser", "-u", PG_USER, "--", *cmd] if os.geteuid() == 0 else list(cmd)


def _prepare_run_dir(run_dir: Path) -> None:
    """Make run_dir ours (as `postgres`) and every parent traversable by `postgres`."""
    run_dir.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        return
    account = pwd.getpwnam(PG_USER)
    os.chown(run_dir, account.pw_uid, account.pw_gid)
    os.chmod(run_dir, 0o700)
    for parent in run_dir.parents:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            log.info("making folder traversable for postgres", path=str(parent))
            os.chmod(parent, stat.S_IMODE(mode) | stat.S_IXOTH)


def _initdb(data: Path) -> None:
    """initdb into a staging folder and rename it, so a crash never leaves half a cluster."""
    staging = data.with_name(data.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    log.info("initialising postgres cluster", data=str(data))
    subprocess.run(
        _as_postgres(
            str(PG_BIN / "initdb"),
            "-D",
            str(staging),
            "-U",
            PG_USER,
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        ),
        check=True,
        capture_output=True,
    )
    staging.rename(data)


def _start(run_dir: Path, port: int) -> None:
    data = run_dir / "data"
    sock = run_dir / "sock"
    sock.mkdir(exist_ok=True)
    if os.geteuid() == 0:
        account = pwd.getpwnam(PG_USER)
        os.chown(sock, account.pw_uid, account.pw_gid)
    _remove_stale_locks(run_dir)
    options = shlex.join(["-p", str(port), "-k", str(sock), "-c", "listen_addresses=127.0.0.1"])
    command = _as_postgres(
        str(PG_BIN / "pg_ctl"),
        "-D",
        str(data),
        "-l",
        str(run_dir / "postgres.log"),
        "-o",
        options,
        "-w",
        "-t",
        "30",
        "start",
    )
    deadline = time.monotonic() + START_DEADLINE_SECONDS
    while True:
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode == 0 or is_running(run_dir):
            log.info("postgres started", port=port, data=str(data))
            return
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"postgres did not start (see {run_dir / 'postgres.log'}): {result.stderr.strip()}"
            )
        log.warning("postgres start failed; retrying", stderr=result.stderr.strip())
        _remove_stale_locks(run_dir)
        time.sleep(0.5)


def _remove_stale_locks(run_dir: Path) -> None:
    """Drop lock files left by a killed postmaster; callers hold our lock and know it is dead.

    The postmaster refuses a lock file whose PID still answers kill(0): a reused PID (the
    chroot's Asterisk shares the uid) or the killed postmaster as an unreaped zombie.
    """
    (run_dir / "data" / "postmaster.pid").unlink(missing_ok=True)
    for lock in (run_dir / "sock").glob(".s.PGSQL.*.lock"):
        lock.unlink(missing_ok=True)


def _stop(data: Path) -> None:
    result = subprocess.run(
        _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode == 0:
        log.info("postgres stopped", data=str(data))
    else:
        log.warning("pg_ctl stop failed", stderr=result.stderr.strip())


def _ensure_database(run_dir: Path, port: int) -> None:
    connect = ["-h", str(run_dir / "sock"), "-p", str(port), "-U", PG_USER]
    exists = subprocess.run(
        [
            str(PG_BIN / "psql"),
            *connect,
            "-d",
            "postgres",
            "-tA",
            "-v",
            f"db={DATABASE}",
        ],
        # psql interpolates :'db' (quoted) only in scripts read from stdin, not with -c.
        input="SELECT 1 FROM pg_database WHERE datname = :'db';\n",
        capture_output=True,
        text=True,
        check=True,
    )
    if exists.stdout.strip() != "1":
        subprocess.run([str(PG_BIN / "createdb"), *connect, DATABASE], check=True)
        log.info("created database", database=DATABASE)
