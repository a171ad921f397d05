"""The sandbox's secrets are born private: no moment where another user could read one, and a
symlink planted where a secret goes does not receive it."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from ccc_telephony.devstack.instance import SECRET_NAMES, Instance


@pytest.fixture
def wide_umask() -> Iterator[None]:
    """A umask that lets a plain write make world-readable files."""
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_secrets_are_owner_only_without_a_chmod_after_writing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, wide_umask: None
) -> None:
    monkeypatch.setenv("CCC_RUN_ROOT", str(tmp_path))
    # Nothing may rely on tightening a file once its secret is already in it.
    monkeypatch.setattr(Path, "chmod", lambda self, mode: None)
    inst = Instance("test4")
    values = inst.ensure_secrets()
    assert sorted(values) == sorted(SECRET_NAMES)
    assert _mode(inst.secrets_dir) == 0o700
    for name in SECRET_NAMES:
        assert _mode(inst.secrets_dir / name) == 0o600
    assert inst.ensure_secrets() == values  # made once, then kept


def test_a_planted_symlink_does_not_receive_a_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CCC_RUN_ROOT", str(tmp_path / "run"))
    inst = Instance("test4")
    inst.secrets_dir.mkdir(parents=True)
    elsewhere = tmp_path / "somewhere-readable"
    (inst.secrets_dir / "admin-token").symlink_to(elsewhere)
    with pytest.raises(OSError):
        inst.ensure_secrets()
    assert not elsewhere.exists()
