"""Passwords are kept as salted scrypt hashes that only the same password matches."""

from __future__ import annotations

import pytest

from ccc_telephony.login import passwords


def test_a_hash_is_salted_and_matches_only_its_password() -> None:
    first = passwords.hash_password("correct horse battery")
    second = passwords.hash_password("correct horse battery")
    assert first != second  # a fresh salt each time
    assert first.startswith("scrypt$16384$8$1$")
    assert "correct horse" not in first
    assert passwords.verify("correct horse battery", first)
    assert passwords.verify("correct horse battery", second)
    assert not passwords.verify("correct horse batterY", first)


def test_nothing_stored_or_a_damaged_hash_never_matches() -> None:
    assert not passwords.verify("anything at all", None)
    assert not passwords.verify("anything at all", "scrypt$broken")
    assert not passwords.verify("anything at all", "md5$1$2$3$c2FsdA==$a2V5")


@pytest.mark.parametrize(
    ("password", "problem"),
    [("short pass", "at least 12"), ("x" * (passwords.MAX_LENGTH + 1), "at most 1024")],
)
def test_unfit_passwords_are_refused_with_the_reason(password: str, problem: str) -> None:
    with pytest.raises(passwords.UnfitPassword, match=problem):
        passwords.hash_password(password)
