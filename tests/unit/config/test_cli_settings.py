"""Where the CLI's settings come from: the sandbox instance's (`--instance`, else `dev` once set
up), as `make up` gives them to its service, under whatever the environment sets itself."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ccc_telephony import cli
from ccc_telephony.devstack.instance import PORTS


@pytest.fixture
def run_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No CCC_* variable or DATABASE_URL from the test's own environment; sandboxes in tmp."""
    for name in list(os.environ):
        if name.startswith("CCC_") or name == "DATABASE_URL":
            monkeypatch.delenv(name)
    monkeypatch.setenv("CCC_RUN_ROOT", str(tmp_path))
    return tmp_path


def test_a_set_up_dev_sandbox_is_used_by_default(run_root: Path) -> None:
    secrets = run_root / "dev" / "secrets"
    secrets.mkdir(parents=True)
    (secrets / "admin-token").write_text("token-of-dev\n")
    settings = cli.settings_for(None)
    assert settings.secrets_dir == secrets
    assert settings.secret("admin-token").get_secret_value() == "token-of-dev"
    assert settings.data_dir == run_root / "dev" / "data"
    assert settings.http_port == PORTS["dev"].api
    assert settings.ami_port == PORTS["dev"].ami
    assert settings.ari_url == f"http://127.0.0.1:{PORTS['dev'].ari}"
    assert settings.database_url == f"postgresql://postgres@127.0.0.1:{PORTS['dev'].postgres}/ccc"
    assert settings.asterisk_config_dir is not None
    assert settings.asterisk_config_dir.parts[-2:] == ("dev", "etc")


def test_without_a_sandbox_the_environment_alone(run_root: Path) -> None:
    settings = cli.settings_for(None)
    assert settings.secrets_dir == Path(".run/secrets")
    assert settings.http_port == 8080 and settings.database_url == ""


def test_a_named_instance_is_used_even_before_it_is_set_up(run_root: Path) -> None:
    settings = cli.settings_for("test4")
    assert settings.http_port == PORTS["test4"].api
    assert settings.secrets_dir == run_root / "test4" / "secrets"


def test_what_the_environment_sets_wins(run_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CCC_HTTP_PORT", "9999")
    monkeypatch.setenv("DATABASE_URL", "postgresql://someone@db.example/ccc")
    monkeypatch.setenv("CCC_SECRETS_DIR", "/etc/ccc/secrets")
    settings = cli.settings_for("test4")
    assert settings.http_port == 9999
    assert settings.database_url == "postgresql://someone@db.example/ccc"
    assert settings.secrets_dir == Path("/etc/ccc/secrets")
    assert settings.ami_port == PORTS["test4"].ami  # the rest from the instance


def test_an_unknown_instance_is_refused_by_name(run_root: Path) -> None:
    with pytest.raises(SystemExit, match="unknown sandbox instance 'nope'"):
        cli.settings_for("nope")


@pytest.mark.parametrize(
    "argv",
    [
        ["agents", "list", "--instance", "test4"],
        ["--instance", "test4", "agents", "list"],
        ["agents", "--instance=test4", "list"],
    ],
)
def test_instance_is_taken_wherever_it_stands(
    argv: list[str], run_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[int, str | None]] = []

    def fake_list(settings: object, args: object) -> int:
        seen.append((getattr(settings, "http_port", 0), getattr(args, "instance", None)))
        return 0

    monkeypatch.setattr(cli.agents_cli, "_list", fake_list)
    monkeypatch.setattr(cli.logs, "configure", lambda **_: None)  # the test's logging stays
    assert cli.main(argv) == 0
    assert seen == [(PORTS["test4"].api, "test4")]
