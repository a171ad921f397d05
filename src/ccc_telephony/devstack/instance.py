"""A named sandbox instance (dev for `make run`/`make up`, test for `make test`, bench).

Each instance has its own ports, run folder, secrets, database and Asterisk folders inside the
shared chroot, so `make test` can run while a developer's `make up` stack is running.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from ccc_telephony.config.settings import create_private_file

REPO = Path(__file__).resolve().parents[3]
SECRET_NAMES = (
    "ari-password",
    "ami-secret",
    "admin-password",
    "admin-token",
    "caller-hash-key",
    "language-line-password",
)


# Every port is below Linux's ephemeral range (32768-60999): a server there can find its port
# taken by some client's outgoing connection (seen with PostgreSQL on 55532).
@dataclass(frozen=True, kw_only=True)
class Ports:
    sip: int
    ari: int
    ami: int
    agi: int
    api: int
    postgres: int
    rtp_start: int
    rtp_end: int

    @property
    def carrier(self) -> int:
        """Where the sandbox's "carrier" (outside calls) answers: a test phone, if any."""
        return self.sip + 2

    @property
    def mail(self) -> int:
        """Where the sandbox's mail catcher takes SMTP (devstack/mail.py)."""
        return self.api + 25

    @property
    def test_media(self) -> range:
        """The media ports of the test phones and callers (SIPp, RTP parties) talking to this
        instance: right above Asterisk's RTP range, below the kernel's ephemeral ports."""
        return range(self.rtp_end + 1, self.rtp_end + 401)


PORTS = {
    "dev": Ports(
        sip=5060,
        ari=8088,
        ami=5038,
        agi=4573,
        api=8080,
        postgres=25432,
        rtp_start=10000,
        rtp_end=10999,
    ),
    "test": Ports(
        sip=5260,
        ari=8288,
        ami=5238,
        agi=4773,
        api=8280,
        postgres=25532,
        rtp_start=12000,
        rtp_end=12999,
    ),
    # A second test instance, so two suites (e.g. two working copies) can run side by side:
    # CCC_TEST_INSTANCE=test2 make integration.
    "test2": Ports(
        sip=5460,
        ari=8488,
        ami=5438,
        agi=4973,
        api=8480,
        postgres=25732,
        rtp_start=20000,
        rtp_end=20999,
    ),
    # More working copies (or helpers' worktrees) side by side: test3, test4.
    "test3": Ports(
        sip=5660,
        ari=8688,
        ami=5638,
        agi=5173,
        api=8680,
        postgres=25832,
        rtp_start=22000,
        rtp_end=22999,
    ),
    "test4": Ports(
        sip=5860,
        ari=8888,
        ami=5838,
        agi=5373,
        api=8880,
        postgres=25932,
        rtp_start=24000,
        rtp_end=24999,
    ),
    "test5": Ports(
        sip=6060,
        ari=9088,
        ami=6038,
        agi=5573,
        api=9080,
        postgres=26032,
        rtp_start=27000,
        rtp_end=27999,
    ),
    # Two more, so a full parallel suite (two workers) runs beside four helpers' worktrees.
    "test6": Ports(
        sip=6260,
        ari=9288,
        ami=6238,
        agi=5773,
        api=9280,
        postgres=26232,
        rtp_start=28000,
        rtp_end=28999,
    ),
    "test7": Ports(
        sip=6460,
        ari=9488,
        ami=6438,
        agi=5973,
        api=9480,
        postgres=26432,
        rtp_start=29400,
        rtp_end=30399,
    ),
    "bench": Ports(
        sip=5360,
        ari=8388,
        ami=5338,
        agi=4873,
        api=8380,
        postgres=25632,
        rtp_start=14000,
        rtp_end=19999,
    ),
}


@dataclass(frozen=True)
class Instance:
    name: str

    @property
    def ports(self) -> Ports:
        return PORTS[self.name]

    @property
    def run_dir(self) -> Path:
        base = Path(os.environ.get("CCC_RUN_ROOT", str(REPO / ".run")))
        return base / self.name

    @property
    def secrets_dir(self) -> Path:
        return self.run_dir / "secrets"

    @property
    def inner_dir(self) -> str:
        """This instance's Asterisk folders, as Asterisk sees them inside the chroot."""
        return f"/var/lib/ccc/{self.name}"

    def ensure_secrets(self) -> dict[str, str]:
        """Random secrets made once per instance and kept out of git (the run folder is ignored)."""
        self.secrets_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.secrets_dir.chmod(0o700)  # an older folder made with the default mode
        values = {}
        for name in SECRET_NAMES:
            path = self.secrets_dir / name
            with contextlib.suppress(FileExistsError):  # made by an earlier run: kept
                create_private_file(path, secrets.token_urlsafe(24) + "\n")
            values[name] = path.read_text().strip()
        return values


def instance(name: str) -> Instance:
    if name not in PORTS:
        raise SystemExit(f"unknown sandbox instance {name!r}; one of {sorted(PORTS)}")
    return Instance(name)
