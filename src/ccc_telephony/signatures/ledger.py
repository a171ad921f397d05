"""The ledger's three operations: seal a capture, purge audio past retention, verify it all.

Shared by the service (sealing as captures end) and the CLI (`signatures verify`, `signatures
purge`), which work on the database and the signatures folder directly, with or without the
service running.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.signatures.chain import (
    Problem,
    check_chain,
    check_rows,
    purge_of,
    seal_of,
)
from ccc_telephony.signatures.vault import Vault
from ccc_telephony.store import signatures as store
from ccc_telephony.store.signatures import SignatureRow

SEALABLE = frozenset({"recording"})
PURGEABLE = frozenset({"recorded", "incomplete"})


async def seal(
    engine: AsyncEngine, signature_id: UUID, values: Mapping[str, Any]
) -> SignatureRow | None:
    """Complete an open capture with `values` (status, end, files) and chain it; None if it
    was no longer open (already sealed: a second end of the same capture changes nothing)."""
    return await store.append(
        engine, signature_id, allowed_from=SEALABLE, values=values, entry=seal_of, point_row=True
    )


@dataclass(frozen=True, slots=True)
class PurgeReport:
    purged: list[UUID]
    files_removed: int


async def purge(
    engine: AsyncEngine,
    vault: Vault,
    *,
    now: datetime,
    by: str,
    retention_years: int,
) -> PurgeReport:
    """Remove the audio of every capture that ended over `retention_years` before `now`.

    Each purge is chained first (who, when, which files), then its files are removed: a run
    cut short between the two leaves files of purged rows, which the next run removes."""
    cutoff = years_before(now, retention_years)
    purged: list[UUID] = []
    for row in await store.signatures(engine, statuses=PURGEABLE, ended_before=cutoff):
        moved = await store.append(
            engine,
            row.id,
            allowed_from=PURGEABLE,
            values={"status": "purged", "purged_at": now},
            entry=lambda r, seq, prev: purge_of(
                r, seq, prev, by=by, retention_years=retention_years
            ),
            point_row=False,
        )
        if moved is not None:
            purged.append(moved.id)
    removed = 0
    for row in await store.signatures(engine, statuses={"purged"}):
        for name in (row.caller_file, row.both_file):
            removed += await asyncio.to_thread(vault.remove, name)
    return PurgeReport(purged, removed)


def years_before(moment: datetime, years: int) -> datetime:
    """The same calendar day `years` earlier (28 February for a 29th in a common year)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


@dataclass(frozen=True, slots=True)
class VerifyReport:
    problems: list[Problem]
    signatures: int
    entries: int
    files: int
    head: str | None

    @property
    def ok(self) -> bool:
        return not self.problems


async def verify(engine: AsyncEngine, vault: Vault) -> VerifyReport:
    """The whole chain, every row against its seal, every kept file against its hash."""
    entries, rows = await store.snapshot(engine)
    problems = [*check_chain(entries), *check_rows(rows, entries)]
    checked = 0
    for row in rows:
        if row.status in ("recording", "purged"):
            continue
        for part, name, size, digest in (
            ("caller", row.caller_file, row.caller_bytes, row.caller_sha256),
            ("both", row.both_file, row.both_bytes, row.both_sha256),
        ):
            checked += digest is not None
            problem = await asyncio.to_thread(vault.problem, name, size, digest)
            if problem is not None:
                subject = f"signature {row.id} {part} file {name}.wav"
                problems.append(Problem("file", subject, problem))
    head = entries[-1].hash if entries else None
    return VerifyReport(problems, len(rows), len(entries), checked, head)
