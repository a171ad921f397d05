"""An agent phone's password file is made owner-only from the start, once, and then kept."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from ccc_telephony.agents.phones import PhonePasswords


def test_a_new_password_file_is_owner_only_from_the_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CCC_AGENT_PHONE_3101", raising=False)
    monkeypatch.setattr(Path, "chmod", lambda self, mode: None)  # no tightening afterwards
    old = os.umask(0)
    try:
        password = PhonePasswords(tmp_path).get("3101")
    finally:
        os.umask(old)
    path = tmp_path / "agent-phones" / "3101"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert len(password) >= 20
    assert PhonePasswords(tmp_path).get("3101") == password


def test_a_new_password_never_starts_with_0x(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CCC_AGENT_PHONE_3102", raising=False)
    drawn = iter(
        ["0xNqzERXG_1qxny9egGGInix", "0XabcdefGHIJKLMNOPQRSTUV", "q1w2e3r4t5y6u7i8o9p0asdf"]
    )
    monkeypatch.setattr("secrets.token_urlsafe", lambda _n: next(drawn))
    assert PhonePasswords(tmp_path).get("3102") == "q1w2e3r4t5y6u7i8o9p0asdf"
