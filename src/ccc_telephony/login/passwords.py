"""Passwords as salted scrypt hashes: memory-hard, so a leaked table costs an attacker dearly
per guess. Pure (no I/O); hashing takes tens of milliseconds, so the service runs it in a
thread, never on the event loop that carries the calls.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

MIN_LENGTH = 12
# Far above any pass phrase; bounds the work one request can ask of scrypt.
MAX_LENGTH = 1024
# scrypt's cost: 2**14 blocks of 8 x 128 bytes, 16 MiB, about 50 ms here. Stored with each
# hash, so raising it later leaves the old hashes readable.
N, R, P = 2**14, 8, 1
SALT_BYTES = 16
KEY_BYTES = 32
SCHEME = "scrypt"


class UnfitPassword(ValueError):
    """The message says what is wrong with it (never the password itself)."""


def check_fit(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise UnfitPassword(f"password: at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise UnfitPassword(f"password: at most {MAX_LENGTH} characters")


def hash_password(password: str) -> str:
    """`scrypt$N$r$p$salt$key` (salt and key in base64) for a password fit to keep."""
    check_fit(password)
    salt = secrets.token_bytes(SALT_BYTES)
    key = _derive(password, salt, N, R, P)
    return "$".join((SCHEME, str(N), str(R), str(P), _b64(salt), _b64(key)))


def verify(password: str, stored: str | None) -> bool:
    """Whether `password` is the one `stored` was made from. With nothing stored (no such
    person, no password set) a hash is still computed, so the answer takes as long either way
    and does not tell who exists."""
    if stored is None or len(password) > MAX_LENGTH:
        _derive("not a password", b"\0" * SALT_BYTES, N, R, P)
        return False
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != SCHEME:
            return False
        expected = base64.b64decode(key)
        derived = _derive(password, base64.b64decode(salt), int(n), int(r), int(p))
    except ValueError:  # a damaged row: refuse rather than fail the request
        return False
    return hmac.compare_digest(derived, expected)


def _derive(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode(), salt=salt, n=n, r=r, p=p, maxmem=256 * 1024 * 1024, dklen=KEY_BYTES
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
