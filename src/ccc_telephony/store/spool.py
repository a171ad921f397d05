"""A durable append-only file of text lines: where events wait while the database is down.

Every append is flushed and fsynced before it returns, so an event the writer has spooled
survives a crash. A crash can still tear the line being written; `repair` cuts such a tail
before the next run appends after it, and `read` skips one with a warning. The file and its
folder are made readable by the service's user only.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import structlog

log = structlog.get_logger(__name__)

# Spooled events hold caller data (numbers, names, case numbers): owner only, from creation.
APPEND = os.O_WRONLY | os.O_APPEND | os.O_CREAT


@dataclass(frozen=True, slots=True)
class Chunk:
    """Complete lines read from a byte offset, and the offset just past what was consumed."""

    lines: list[str]
    end: int


class Spool:
    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, lines: Sequence[str]) -> None:
        """Append whole lines durably; on failure the file is cut back to its previous size."""
        if any("\n" in line for line in lines):
            raise ValueError("spool lines must not contain newlines")
        payload = "".join(line + "\n" for line in lines).encode()
        created = not self.path.exists()
        if created:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with os.fdopen(os.open(self.path, APPEND, 0o600), "ab") as handle:
            size = handle.tell()
            try:
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
            except OSError:
                handle.truncate(size)
                raise
        if created:
            _fsync_dir(self.path.parent)

    def read(self, offset: int, limit: int) -> Chunk:
        """Up to `limit` complete lines from `offset`; a torn tail is skipped and consumed."""
        lines: list[str] = []
        try:
            handle = self.path.open("rb")
        except FileNotFoundError:
            return Chunk(lines, offset)
        with handle:
            handle.seek(offset)
            end = offset
            while len(lines) < limit:
                raw = handle.readline()
                if not raw:
                    break
                end += len(raw)
                if not raw.endswith(b"\n"):
                    log.warning("skipping torn last line in spool", path=str(self.path))
                    break
                try:
                    lines.append(raw[:-1].decode())
                except UnicodeDecodeError:
                    log.warning("skipping undecodable spool line", path=str(self.path))
        return Chunk(lines, end)

    def repair(self) -> int:
        """Cut a torn last line (left by a crash mid-append); returns the bytes removed."""
        try:
            handle = self.path.open("r+b")
        except FileNotFoundError:
            return 0
        with handle:
            size = handle.seek(0, os.SEEK_END)
            if size == 0:
                return 0
            keep = size
            while keep > 0:
                step = min(keep, 65536)
                handle.seek(keep - step)
                block = handle.read(step)
                newline = block.rfind(b"\n")
                if newline >= 0:
                    keep = keep - step + newline + 1
                    break
                keep -= step
            if keep == size:
                return 0
            handle.truncate(keep)
            handle.flush()
            os.fsync(handle.fileno())
        log.warning("cut torn tail from spool", path=str(self.path), bytes=size - keep)
        return size - keep

    def count(self) -> int:
        """Complete lines in the file."""
        try:
            handle = self.path.open("rb")
        except FileNotFoundError:
            return 0
        with handle:
            return sum(block.count(b"\n") for block in iter(lambda: handle.read(65536), b""))

    def clear(self) -> None:
        """Empty the file durably (after everything in it reached the database)."""
        try:
            handle = self.path.open("r+b")
        except FileNotFoundError:
            return
        with handle:
            handle.truncate(0)
            os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    """Make a new file's directory entry durable too, not only its contents."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
