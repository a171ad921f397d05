"""Where signature recordings are kept: one folder outside any web root, readable by the
service's user only, each WAV named by an opaque random id (never by case, caller or SSN), so
neither a directory listing nor a leaked file name says whose signature it is.

Asterisk writes a recording into its own spool under the same opaque name; `keep` moves it
here (copy, flush to disk, then delete the spool's copy: the two folders may be on different
file systems) and returns its size and SHA-256 for the ledger. These methods block (file I/O):
async callers run them in a thread.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

# The opaque name of a file: what new_name() makes, and nothing else is ever opened.
_NAME = re.compile(r"^sig-[0-9a-f]{32}$")
_CHUNK = 1 << 16


@dataclass(frozen=True, slots=True)
class StoredFile:
    name: str
    size: int
    sha256: str


def new_name() -> str:
    """A fresh opaque file name (also the Asterisk recording's name while it records)."""
    return f"sig-{secrets.token_hex(16)}"


class Vault:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, name: str) -> Path:
        if not _NAME.fullmatch(name):
            raise ValueError("not a signature file name")
        return self.root / f"{name}.wav"

    def keep(self, spooled: Path, name: str) -> StoredFile | None:
        """Move Asterisk's recording `spooled` in as `name`; None if Asterisk left nothing (a
        capture that ended before its recording began). A file already kept under `name` (the
        move was interrupted after its copy) is kept as it is."""
        dest = self.path(name)
        self._ensure_root()
        if not dest.exists():
            if not spooled.exists():
                return None
            self._copy(spooled, dest)
        spooled.unlink(missing_ok=True)
        return self.describe(name)

    def describe(self, name: str) -> StoredFile | None:
        path = self.path(name)
        try:
            size = path.stat().st_size
            digest = _sha256(path)
        except FileNotFoundError:
            return None
        return StoredFile(name, size, digest)

    def problem(self, name: str, size: int | None, sha256: str | None) -> str | None:
        """Why the kept file no longer matches its ledger entry; None when it does."""
        if sha256 is None:
            return None if not self.path(name).exists() else "present, but sealed as absent"
        found = self.describe(name)
        if found is None:
            return "missing"
        if found.sha256 != sha256 or found.size != size:
            return f"changed (sha256 {found.sha256[:12]}..., sealed {sha256[:12]}...)"
        return None

    def remove(self, name: str) -> bool:
        try:
            self.path(name).unlink()
        except FileNotFoundError:
            return False
        return True

    def _ensure_root(self) -> None:
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.root, 0o700)

    def _copy(self, source: Path, dest: Path) -> None:
        part = dest.with_name(f".{dest.name}.part")
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        try:
            with os.fdopen(fd, "wb") as out, source.open("rb") as src:
                while chunk := src.read(_CHUNK):
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(part, dest)
        finally:
            part.unlink(missing_ok=True)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
