"""The whole sandbox for one instance: host packages, chroot, database, migrations, sounds,
Asterisk, and the environment the service runs with. Used by `make run/up/down` and the tests."""

from __future__ import annotations

import asyncio
import os
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

import structlog

from ccc_telephony.asterisk.confgen import Site
from ccc_telephony.config.directory import load_directory
from ccc_telephony.config.policy import load_policy
from ccc_telephony.config.settings import Settings
from ccc_telephony.devstack import asterisk, chroot, host, mail, postgres
from ccc_telephony.devstack.instance import Instance
from ccc_telephony.devstack.locks import locked
from ccc_telephony.prompts.generate import generate_all
from ccc_telephony.store.directory import read_now
from ccc_telephony.store.migrate import upgrade

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Stack:
    inst: Instance
    root: Path
    site: Site
    database_url: str
    own_database: bool
    env: dict[str, str]

    def settings(self, **overrides: object) -> Settings:
        """Settings for a service in this process (tests), as `env` gives a child process."""
        saved = {key: os.environ.get(key) for key in self.env}
        os.environ.update(self.env)
        try:
            return Settings(**overrides)  # type: ignore[arg-type]
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


def site_for(inst: Instance, secrets: dict[str, str]) -> Site:
    ports = inst.ports
    return Site(
        sip_address=os.environ.get("CCC_SIP_ADDRESS", "127.0.0.1"),
        sip_port=ports.sip,
        rtp_start=ports.rtp_start,
        rtp_end=ports.rtp_end,
        http_port=ports.ari,
        ami_port=ports.ami,
        ari_password=secrets["ari-password"],
        ami_secret=secrets["ami-secret"],
        admin_password=secrets["admin-password"],
        agi_url=f"agi://127.0.0.1:{ports.agi}",
        sounds_dir=f"{inst.inner_dir}/sounds",
        carrier_contact=f"sip:carrier@127.0.0.1:{ports.carrier}",
        language_line_password=secrets["language-line-password"],
    )


def prepare(
    inst: Instance, *, policy_file: Path | None = None, database_url: str | None = None
) -> Stack:
    """Everything but the service itself; idempotent and quick when already done. With
    `database_url` the caller owns the database server (teardown leaves it running)."""
    with _machine_lock():
        host.ensure_packages()
        root = chroot.ensure_root()
    secrets = inst.ensure_secrets()
    site = site_for(inst, secrets)
    own = database_url is None and not os.environ.get("DATABASE_URL")
    url = database_url or database_server(inst)
    asyncio.run(upgrade(url))
    env = _service_env(inst, root, url, policy_file)
    settings = Settings.model_validate({})  # defaults; overridden just below via env
    policy = load_policy(Path(env.get("CCC_POLICY_FILE", str(settings.policy_file))))
    seed = load_directory(Path(env.get("CCC_DIRECTORY_FILE", str(settings.directory_file))))
    directory = read_now(url, seed)  # with the consortia admins added, if any
    generate_all(policy, directory, generated_sounds(inst))
    asterisk.install(root, inst, policy, site)
    asterisk.start(root, inst, site)
    mail.start(inst)
    return Stack(inst=inst, root=root, site=site, database_url=url, own_database=own, env=env)


def database_server(inst: Instance) -> str:
    """$DATABASE_URL when set, else the instance's private cluster, created and started as
    needed (its host packages first)."""
    given = os.environ.get("DATABASE_URL", "")
    if given:
        return given
    with _machine_lock():
        host.ensure_packages()
    return postgres.ensure_cluster(inst.run_dir / "pg", inst.ports.postgres)


def _machine_lock() -> AbstractContextManager[None]:
    """One apt-get, one debootstrap at a time on this machine (parallel test workers)."""
    return locked(chroot.root_dir().parent / "prepare.lock")


def generated_sounds(inst: Instance) -> Path:
    """Each instance speaks its own prompts (a few seconds): an instance whose directory gained
    a consortium must not have that name's sound deleted by another instance's generation."""
    return inst.run_dir / "sounds" / "generated"


def sandbox_env(inst: Instance) -> dict[str, str]:
    """The environment `make up` gives this instance's service, worked out without starting or
    building anything (nor needing root): how the CLI finds a running sandbox."""
    url = os.environ.get("DATABASE_URL") or postgres.cluster_url(inst.ports.postgres)
    return _service_env(inst, chroot.root_dir(), url, None)


def _service_env(inst: Instance, root: Path, url: str, policy_file: Path | None) -> dict[str, str]:
    ports = inst.ports
    inner_host = root / inst.inner_dir.lstrip("/")
    env = {
        "DATABASE_URL": url,
        "CCC_SECRETS_DIR": str(inst.secrets_dir),
        "CCC_DATA_DIR": str(inst.run_dir / "data"),
        "CCC_GENERATED_SOUNDS_DIR": str(generated_sounds(inst)),
        "CCC_SOUNDS_DIR": str(inner_host / "sounds"),
        "CCC_ASTERISK_SOUNDS_DIR": f"{inst.inner_dir}/sounds",
        "CCC_ASTERISK_RECORDINGS_DIR": str(inner_host / "spool" / "recording"),
        "CCC_ASTERISK_CONFIG_DIR": str(inner_host / "etc"),
        "CCC_ARI_URL": f"http://127.0.0.1:{ports.ari}",
        "CCC_AMI_PORT": str(ports.ami),
        "CCC_AGI_PORT": str(ports.agi),
        "CCC_HTTP_PORT": str(ports.api),
        # The sandbox's mail catcher (devstack/mail.py): plain SMTP on the loopback.
        "CCC_SMTP_HOST": "127.0.0.1",
        "CCC_SMTP_PORT": str(ports.mail),
        "CCC_SMTP_STARTTLS": "false",
    }
    for key in ("CCC_POLICY_FILE", "CCC_DIRECTORY_FILE", "CCC_LOG_FORMAT", "CCC_LOG_LEVEL"):
        if os.environ.get(key):
            env[key] = os.environ[key]
    if policy_file is not None:
        env["CCC_POLICY_FILE"] = str(policy_file)
    return env


def teardown(stack: Stack) -> None:
    asterisk.stop(stack.inst)
    mail.stop(stack.inst)
    if stack.own_database:
        postgres.stop_cluster(stack.inst.run_dir / "pg")


def banner(stack: Stack) -> str:
    """What a developer (or a script) needs to reach this stack; keep these lines stable."""
    ports = stack.inst.ports
    run = stack.inst.run_dir
    secrets = stack.inst.secrets_dir
    policy_file = Path(stack.env.get("CCC_POLICY_FILE", str(Settings().policy_file)))
    asterisk_log = f"{stack.root}{stack.inst.inner_dir}/log/messages.log"
    inbox = mail.maildir(stack.inst)
    return "\n".join(
        [
            f"ccc-telephony sandbox '{stack.inst.name}' is up",
            f"  SIP caller trunk : udp {stack.site.sip_address}:{ports.sip} (from 127.0.0.1)",
            f"  main number      : {load_policy(policy_file).main_number}",
            f"  admin extension  : SIP user 'admin', password in {secrets}/admin-password",
            f"  HTTP API         : http://127.0.0.1:{ports.api} (token in {secrets}/admin-token)",
            f"  ARI              : http://127.0.0.1:{ports.ari}/ari (user ccc)",
            f"  AMI              : 127.0.0.1:{ports.ami} (user ccc)",
            f"  AGI              : agi://127.0.0.1:{ports.agi}/hours",
            f"  DATABASE_URL     : {stack.database_url}",
            f"  service log      : {run}/service.log (make up) or this terminal (make run)",
            f"  Asterisk log     : {asterisk_log}",
            f"  e-mail (catcher) : smtp 127.0.0.1:{ports.mail}, kept in {inbox}/new",
        ]
    )
