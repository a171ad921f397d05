"""Host packages the sandbox needs, installed with apt only when one is missing."""

from __future__ import annotations

import os
import shutil
import subprocess

import structlog

log = structlog.get_logger(__name__)

# command that proves the package is there -> Debian package that provides it
REQUIRED = {
    "debootstrap": "debootstrap",
    "sipp": "sip-tester",
    "espeak-ng": "espeak-ng",
    "sox": "sox",
    "/usr/lib/postgresql/15/bin/initdb": "postgresql",
    "runuser": "util-linux",
    # The wallboard's browser test drives Debian's Chromium (Playwright cannot download its own).
    "chromium": "chromium",
}


def missing_packages() -> list[str]:
    return sorted({pkg for cmd, pkg in REQUIRED.items() if not _exists(cmd)})


def _exists(cmd: str) -> bool:
    return os.path.exists(cmd) if cmd.startswith("/") else shutil.which(cmd) is not None


def ensure_packages() -> None:
    """Install what is missing; on a machine that has everything this does nothing."""
    missing = missing_packages()
    if not missing:
        return
    if os.geteuid() != 0:
        raise SystemExit(f"missing host packages {missing}; install them or run as root")
    log.info("installing host packages", packages=missing)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing],
        check=True,
        env=env,
    )
