"""Build and cache the Debian sid root that carries Asterisk 22.

Debian bookworm has no Asterisk package; sid does. The root is cached outside the clone
(default /var/cache/ccc-telephony/asterisk-sid) so CI runs and later sessions reuse it.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
from pathlib import Path

import structlog

log = structlog.get_logger(__name__)

PACKAGES = ("asterisk", "asterisk-core-sounds-en-gsm", "asterisk-moh-opsound-gsm")
DEFAULT_ROOT = Path("/var/cache/ccc-telephony/asterisk-sid")
STAMP = ".ccc-telephony-root-v1"


def root_dir() -> Path:
    return Path(os.environ.get("CCC_ASTERISK_ROOT", str(DEFAULT_ROOT)))


def host_mirror() -> str:
    """The Debian mirror this machine already uses, unless CCC_DEBIAN_MIRROR overrides it."""
    override = os.environ.get("CCC_DEBIAN_MIRROR")
    if override:
        return override
    sources = sorted(Path("/etc/apt/sources.list.d").glob("*.sources"))
    for path in sources:
        for match in re.finditer(r"^URIs:\s*(\S+)", path.read_text(), re.M):
            if "security" not in match.group(1):
                return match.group(1)
    legacy = Path("/etc/apt/sources.list")
    if legacy.exists():
        for match in re.finditer(r"^deb\s+(?:\[[^]]*\]\s+)?(\S+)", legacy.read_text(), re.M):
            if "security" not in match.group(1):
                return match.group(1)
    raise SystemExit("no Debian mirror found in apt configuration; set CCC_DEBIAN_MIRROR")


def is_built(root: Path) -> bool:
    return (root / STAMP).exists() and (root / "usr/sbin/asterisk").exists()


def ensure_root() -> Path:
    """Return the cached root, building it first when it is missing or half-built."""
    root = root_dir()
    if not is_built(root):
        _build(root)
    _name_this_host(root)
    return root


def _build(root: Path) -> None:
    if os.geteuid() != 0:
        raise SystemExit("building the Asterisk sandbox needs root (debootstrap, chroot)")
    staging = root.with_name(root.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.parent.mkdir(parents=True, exist_ok=True)
    mirror = host_mirror()
    log.info("building Asterisk sandbox", root=str(root), mirror=mirror)
    subprocess.run(
        [
            "debootstrap",
            "--variant=minbase",
            "--include=" + ",".join(PACKAGES),
            "sid",
            str(staging),
            mirror,
        ],
        check=True,
    )
    _trim(staging)
    (staging / STAMP).write_text("built by ccc-telephony\n")
    shutil.rmtree(root, ignore_errors=True)
    staging.rename(root)


def _name_this_host(root: Path) -> None:
    """Asterisk looks up its own host name for every incoming call (and, failing that, a root
    server): answered from /etc/hosts, the lookups cost nothing (the benchmark's finding)."""
    hosts = root / "etc/hosts"
    wanted = f"127.0.0.1 localhost {socket.gethostname()}\n::1 localhost\n"
    if not hosts.exists() or hosts.read_text() != wanted:
        hosts.write_text(wanted)


def _trim(root: Path) -> None:
    subprocess.run(["chroot", str(root), "apt-get", "clean"], check=True)
    shutil.rmtree(root / "var/lib/apt/lists", ignore_errors=True)
    (root / "var/lib/apt/lists/partial").mkdir(parents=True, exist_ok=True)
    # The host's resolver is unreachable from here; a failing-fast one keeps PJSIP from
    # blocking 5 s per call on DNS (see the notes' load section).
    resolv = root / "etc/resolv.conf"
    resolv.unlink(missing_ok=True)
    resolv.write_text("nameserver 127.0.0.1\n")
    users = root / "etc/asterisk/users.conf"
    if users.exists():
        users.rename(users.with_suffix(".conf.disabled"))
