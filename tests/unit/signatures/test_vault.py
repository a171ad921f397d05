"""The vault: Asterisk's recording moved in under its opaque name, owner-only, and a changed
or missing file named by verify's check."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from ccc_telephony.signatures.vault import Vault, new_name


def _spooled(tmp_path: Path, name: str, data: bytes = b"RIFF....WAVEfmt audio") -> Path:
    spool = tmp_path / "spool"
    spool.mkdir(exist_ok=True)
    path = spool / f"{name}.wav"
    path.write_bytes(data)
    return path


def test_a_recording_is_moved_in_owner_only_under_its_opaque_name(tmp_path: Path) -> None:
    vault = Vault(tmp_path / "signatures")
    name = new_name()
    spooled = _spooled(tmp_path, name)
    kept = vault.keep(spooled, name)
    assert kept is not None and kept.size == len(b"RIFF....WAVEfmt audio")
    assert not spooled.exists()
    path = vault.path(name)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(vault.root.stat().st_mode) == 0o700
    assert vault.problem(name, kept.size, kept.sha256) is None


def test_nothing_recorded_is_nothing_kept(tmp_path: Path) -> None:
    vault = Vault(tmp_path / "signatures")
    name = new_name()
    assert vault.keep(tmp_path / "nowhere.wav", name) is None
    assert vault.problem(name, None, None) is None


def test_a_flipped_byte_and_a_missing_file_are_named(tmp_path: Path) -> None:
    vault = Vault(tmp_path / "signatures")
    name = new_name()
    kept = vault.keep(_spooled(tmp_path, name), name)
    assert kept is not None
    data = bytearray(vault.path(name).read_bytes())
    data[5] ^= 0x01
    vault.path(name).write_bytes(bytes(data))
    assert (vault.problem(name, kept.size, kept.sha256) or "").startswith("changed")
    vault.remove(name)
    assert vault.problem(name, kept.size, kept.sha256) == "missing"


@pytest.mark.parametrize("name", ["../etc/passwd", "sig-xyz", "1234567890", ""])
def test_only_opaque_names_are_ever_opened(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match="not a signature file name"):
        Vault(tmp_path).path(name)
