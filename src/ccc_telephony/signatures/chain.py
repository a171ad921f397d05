"""The tamper-evident chain of telephonic signatures, and the checks `signatures verify` runs.

How a row that is made at the start and completed at the end is chained: only facts that are
final are chained. A capture's row is written when it starts (status `recording`) and is not
part of the chain until it ends; then it is *sealed*: one ledger entry holds the row's fields
as they are for good (who, which call, case, program, script version, times, status, and each
file's name, size and SHA-256) and the row carries that entry's position and hash. Purging
audio later is a second, appended fact (a `purged` entry: which files, when, by whom), so the
seal stays as it was and verify still passes once the audio is gone. A row never sealed is an
open capture (the service seals what is left of it as incomplete when it starts again).

Every entry's hash is SHA-256 over the previous entry's hash and the entry's canonical JSON
(sorted keys, no spaces, UTC times to the microsecond), so editing, deleting or reordering any
entry breaks every link after it; each row is compared with its seal, so editing or deleting a
row is named too. A chain can be rewritten whole by someone who can write the database:
`verify` prints the head's hash so it can be kept elsewhere (a report, a ticket) and compared.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from ccc_telephony.store.signatures import LedgerEntry, SignatureRow

GENESIS = "0" * 64
Kind = Literal["sealed", "purged"]
# The row's fields a seal fixes for good; the rest are the chain's pointers and the purge.
SEALED_FIELDS = (
    "id",
    "call_id",
    "case_number",
    "ssn_last4",
    "agent_id",
    "program",
    "language",
    "script_id",
    "script_version",
    "started_at",
    "ended_at",
    "duration_seconds",
    "status",
    "ended_by",
    "caller_file",
    "caller_bytes",
    "caller_sha256",
    "both_file",
    "both_bytes",
    "both_sha256",
)


def canonical(fields: Mapping[str, Any]) -> str:
    """One text for one set of fields, whatever Python or PostgreSQL made of them."""
    return json.dumps(
        {key: _plain(value) for key, value in fields.items()},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )


def link(prev_hash: str, record: str) -> str:
    return hashlib.sha256(f"{prev_hash}\n{record}".encode()).hexdigest()


def entry(
    seq: int, signature_id: UUID, kind: Kind, fields: Mapping[str, Any], prev: str | None
) -> LedgerEntry:
    prev_hash = prev or GENESIS
    record = canonical({"kind": kind, **fields})
    return LedgerEntry(seq, signature_id, kind, record, prev_hash, link(prev_hash, record))


def sealed_fields(row: SignatureRow) -> dict[str, Any]:
    return {name: getattr(row, name) for name in SEALED_FIELDS}


def seal_of(row: SignatureRow, seq: int, prev: str | None) -> LedgerEntry:
    return entry(seq, row.id, "sealed", sealed_fields(row), prev)


def purge_of(
    row: SignatureRow, seq: int, prev: str | None, *, by: str, retention_years: int
) -> LedgerEntry:
    """The purge of a row's audio: the files it removes, when (the row's purged_at), by whom."""
    fields = {
        "signature_id": row.id,
        "at": row.purged_at,
        "by": by,
        "files": [row.caller_file, row.both_file],
        "retention_years": retention_years,
    }
    return entry(seq, row.id, "purged", fields, prev)


# --- verify ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Problem:
    """One thing verify found wrong: `where` is chain (the ledger), row or file."""

    where: Literal["chain", "row", "file"]
    subject: str
    detail: str

    def __str__(self) -> str:
        return f"{self.where}: {self.subject}: {self.detail}"


def check_chain(entries: Sequence[LedgerEntry]) -> list[Problem]:
    """Each entry in place, unchanged and following the one before: a deleted entry shows as
    a gap in the positions, a changed one as a hash that is not its own, reordered ones as
    entries that follow another entry than the one before them."""
    problems: list[Problem] = []
    position_of = {e.hash: e.seq for e in entries}
    prev, expected = GENESIS, 1
    for e in entries:
        gap = e.seq != expected
        if gap:
            missing = f"{expected}" if e.seq == expected + 1 else f"{expected} to {e.seq - 1}"
            problems.append(Problem("chain", f"entry {missing}", "deleted (not in the chain)"))
        if link(e.prev_hash, e.record) != e.hash:
            problems.append(Problem("chain", f"entry {e.seq}", "changed (its hash does not match)"))
        elif e.prev_hash != prev and not gap:
            follows = position_of.get(e.prev_hash)
            detail = (
                f"out of order (written after entry {follows})"
                if follows is not None
                else "does not follow the entry before it"
            )
            problems.append(Problem("chain", f"entry {e.seq}", detail))
        prev, expected = e.hash, e.seq + 1
    return problems


def check_rows(rows: Sequence[SignatureRow], entries: Sequence[LedgerEntry]) -> list[Problem]:
    """Each row as its seal says (purged only by a purge entry), and a row for every seal."""
    seals = {e.signature_id: e for e in entries if e.kind == "sealed"}
    purges = {e.signature_id: e for e in entries if e.kind == "purged"}
    problems: list[Problem] = []
    present = set()
    for row in rows:
        present.add(row.id)
        seal = seals.get(row.id)
        subject = f"signature {row.id}"
        if seal is None:
            if row.status != "recording" or row.chain_seq is not None:
                problems.append(Problem("row", subject, "no seal in the chain (added or edited)"))
            continue
        problems.extend(Problem("row", subject, d) for d in _row_against(row, seal, purges))
    for signature_id, seal in seals.items():
        if signature_id not in present:
            problems.append(
                Problem("row", f"signature {signature_id}", f"deleted (sealed by entry {seal.seq})")
            )
    return problems


def _row_against(
    row: SignatureRow, seal: LedgerEntry, purges: Mapping[UUID, LedgerEntry]
) -> list[str]:
    sealed = json.loads(seal.record)
    now = json.loads(canonical({"kind": "sealed", **sealed_fields(row)}))
    purge = purges.get(row.id)
    if purge is not None:
        # Purged: the seal's status is what it was sealed with; the row's is now `purged`.
        now["status"] = sealed.get("status") if row.status == "purged" else row.status
        if row.status != "purged" or _plain(row.purged_at) != json.loads(purge.record)["at"]:
            return ["changed (purged in the chain, not as the row says)"]
    changed = sorted(key for key in sealed.keys() | now.keys() if sealed.get(key) != now.get(key))
    details = [f"changed ({', '.join(changed)})"] if changed else []
    if (row.chain_seq, row.chain_hash) != (seal.seq, seal.hash):
        details.append(f"changed (points at chain entry {row.chain_seq}, sealed by {seal.seq})")
    return details


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, Decimal):
        return f"{value.quantize(Decimal('0.001'))}"
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value
