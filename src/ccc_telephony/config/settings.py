"""Process settings: where things are and how to reach them. The only reader of the environment.

Secrets (ARI/AMI passwords, the admin token, the caller-ID hashing key) come from files in
`secrets_dir` or from the environment, never from git. `secret()` reads them lazily so that a
missing secret is reported by name when it is first needed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_POLICY = Path(__file__).resolve().parent.parent / "defaults" / "policy.yaml"
DEFAULT_DIRECTORY = Path(__file__).resolve().parent.parent / "defaults" / "consortia.yaml"


class MissingSecretError(RuntimeError):
    """A secret the service needs is neither in the environment nor in the secrets folder."""


def create_private_file(path: Path, text: str) -> None:
    """Create `path` readable by its owner only from its first byte, refusing any file (or
    planted symlink) already there: written first and chmod-ed after, a secret would be
    readable by everyone in between, and a symlink would carry it somewhere else."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CCC_", extra="ignore")

    policy_file: Path = DEFAULT_POLICY
    directory_file: Path = DEFAULT_DIRECTORY
    data_dir: Path = Path(".run/data")
    secrets_dir: Path = Path(".run/secrets")
    # Our prompts as Asterisk sees them, and the same folder as this process sees it.
    # They differ only when Asterisk runs in a chroot or container.
    sounds_dir: Path = Path(".run/data/sounds")
    asterisk_sounds_dir: str = ""
    generated_sounds_dir: Path = Path("sounds/generated")
    # Where Asterisk writes recordings (its spool/recording), seen from this process.
    asterisk_recordings_dir: Path = Path("/var/spool/asterisk/recording")
    # Telephonic signatures' WAV files (owner-only, opaque names); keep it outside any web
    # root. Unset: `signatures` under the data folder.
    signatures_dir: Path | None = None

    # Asterisk's configuration folder, seen from this process: the service writes agents'
    # phone endpoints there. Unset: endpoints are managed outside the service.
    asterisk_config_dir: Path | None = None

    database_url: str = Field(default="", validation_alias="DATABASE_URL")

    ari_url: str = "http://127.0.0.1:8088"
    ari_user: str = "ccc"
    ari_app: str = "ccc-ivr"
    ami_host: str = "127.0.0.1"
    ami_port: int = 5038
    ami_user: str = "ccc"
    agi_host: str = "127.0.0.1"
    agi_port: int = 4573
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    # Browsers reach the service over HTTPS (a proxy in front of it): the login cookie is then
    # sent over HTTPS only (Secure).
    behind_https: bool = False

    log_format: Literal["console", "json"] = "console"
    log_level: str = "INFO"
    log_file: Path | None = None

    event_batch_size: int = Field(default=200, ge=1, le=10_000)
    event_flush_ms: int = Field(default=50, ge=1, le=10_000)
    shutdown_grace_seconds: float = Field(default=20.0, ge=0)

    # Outgoing e-mail (a threat's notice to the agent's supervisor). No host: nothing is sent
    # (each notice that could not go is logged and kept on its record). With a user, the
    # password is the secret `smtp-password`.
    smtp_host: str = ""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_starttls: bool = True
    smtp_user: str = ""
    smtp_sender: str = Field(default="ccc-telephony@localhost", max_length=254)
    smtp_timeout_seconds: float = Field(default=10.0, gt=0, le=120)

    @classmethod
    def beneath_environment(cls, defaults: Mapping[str, str]) -> Settings:
        """Settings where `defaults`, named as the environment names them (`CCC_DATA_DIR`,
        `DATABASE_URL`), fill in what the environment leaves unset: a variable set in the
        environment always wins."""
        prefix = cls.model_config.get("env_prefix", "")
        given = {name.upper() for name in os.environ}
        values: dict[str, Any] = {}
        for name, field in cls.model_fields.items():
            alias = field.validation_alias if isinstance(field.validation_alias, str) else None
            variable = alias or (prefix + name).upper()
            if variable in defaults and variable not in given:
                values[alias or name] = defaults[variable]
        return cls(**values)

    def secret(self, name: str) -> SecretStr:
        """`CCC_<NAME>` from the environment, else `<secrets_dir>/<name>` (trimmed)."""
        env_value = os.environ.get("CCC_" + name.upper().replace("-", "_"))
        if env_value:
            return SecretStr(env_value)
        path = self.secrets_dir / name
        try:
            value = path.read_text().strip()
        except FileNotFoundError:
            raise MissingSecretError(
                f"secret {name!r} not found: set CCC_{name.upper().replace('-', '_')} "
                f"or write it to {path}"
            ) from None
        if not value:
            raise MissingSecretError(f"secret file {path} is empty")
        return SecretStr(value)

    @property
    def signatures_path(self) -> Path:
        return self.signatures_dir or self.data_dir / "signatures"

    @property
    def sounds_dir_for_asterisk(self) -> str:
        return self.asterisk_sounds_dir or str(self.sounds_dir.resolve())
