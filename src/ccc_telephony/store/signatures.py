"""Telephonic signatures in the database: the capture rows, their append-only ledger, the
attestation scripts' versions and the audit of every listing, view and download.

The ledger is one hash chain, so its entries are appended one at a time: `append` holds a
transaction-scoped advisory lock while it reads the chain's head and writes the next entry,
so two captures ending at the same moment can never both build on the same head (a fork).
What an entry says and how it is hashed is signatures/chain.py's business; this module only
keeps them in order. Moments come from the caller (the service's clock).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ccc_telephony.store.tables import (
    signature_access,
    signature_ledger,
    signature_scripts,
    telephonic_signatures,
)

_c = telephonic_signatures.c
# pg_advisory_xact_lock's key for the ledger's head: any constant no other feature uses.
LEDGER_LOCK = 0x51_67_1A_7E


@dataclass(frozen=True, slots=True)
class SignatureRow:
    id: UUID
    call_id: str
    case_number: str | None
    ssn_last4: str | None
    agent_id: str
    program: str
    language: str
    script_id: str
    script_version: str
    started_at: datetime
    ended_at: datetime | None
    duration_seconds: Decimal | None
    status: str
    ended_by: str | None
    caller_file: str
    caller_bytes: int | None
    caller_sha256: str | None
    both_file: str
    both_bytes: int | None
    both_sha256: str | None
    chain_seq: int | None
    chain_hash: str | None
    purged_at: datetime | None


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    seq: int
    signature_id: UUID
    kind: str
    record: str
    prev_hash: str
    hash: str


# (the row as just updated, the entry's seq, the previous entry's hash) -> the entry to append
EntryMaker = Callable[[SignatureRow, int, str | None], LedgerEntry]


@dataclass(frozen=True, slots=True)
class Access:
    at: datetime
    who: str
    role: str
    action: str
    subject: str
    signature_ids: Sequence[UUID]
    allowed: bool
    part: str | None = None


async def create(engine: AsyncEngine, values: Mapping[str, Any]) -> SignatureRow:
    statement = insert(telephonic_signatures).values(dict(values)).returning(*_c)
    async with engine.begin() as conn:
        return _row((await conn.execute(statement)).mappings().one())


async def append(
    engine: AsyncEngine,
    signature_id: UUID,
    *,
    allowed_from: Collection[str],
    values: Mapping[str, Any],
    entry: EntryMaker,
    point_row: bool,
) -> SignatureRow | None:
    """In one transaction: move the row (if its status is one of `allowed_from`; else None and
    nothing changes), append `entry(row, seq, previous hash)` to the ledger, and with
    `point_row` make the row carry that entry's position and hash (its seal)."""
    async with engine.begin() as conn:
        await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LEDGER_LOCK})
        moved = (
            (
                await conn.execute(
                    update(telephonic_signatures)
                    .where(_c.id == signature_id, _c.status.in_(sorted(allowed_from)))
                    .values(dict(values))
                    .returning(*_c)
                )
            )
            .mappings()
            .first()
        )
        if moved is None:
            return None
        head = (
            await conn.execute(
                select(signature_ledger.c.seq, signature_ledger.c.hash)
                .order_by(signature_ledger.c.seq.desc())
                .limit(1)
            )
        ).first()
        row = _row(moved)
        made = entry(row, 1 if head is None else head.seq + 1, None if head is None else head.hash)
        await conn.execute(insert(signature_ledger).values(_entry_values(made)))
        if not point_row:
            return row
        pointed = (
            (
                await conn.execute(
                    update(telephonic_signatures)
                    .where(_c.id == signature_id)
                    .values(chain_seq=made.seq, chain_hash=made.hash)
                    .returning(*_c)
                )
            )
            .mappings()
            .one()
        )
        return _row(pointed)


async def signature(engine: AsyncEngine, signature_id: UUID) -> SignatureRow | None:
    async with engine.connect() as conn:
        found = (
            (await conn.execute(select(telephonic_signatures).where(_c.id == signature_id)))
            .mappings()
            .first()
        )
    return None if found is None else _row(found)


async def signatures(
    engine: AsyncEngine,
    *,
    case_number: str | None = None,
    call_id: str | None = None,
    statuses: Collection[str] = (),
    ended_before: datetime | None = None,
) -> list[SignatureRow]:
    """Oldest first; every filter given must hold (none: every row)."""
    statement = select(telephonic_signatures)
    if case_number is not None:
        statement = statement.where(_c.case_number == case_number)
    if call_id is not None:
        statement = statement.where(_c.call_id == call_id)
    if statuses:
        statement = statement.where(_c.status.in_(sorted(statuses)))
    if ended_before is not None:
        statement = statement.where(_c.ended_at < ended_before)
    statement = statement.order_by(_c.started_at, _c.id)
    async with engine.connect() as conn:
        return [_row(m) for m in (await conn.execute(statement)).mappings()]


async def snapshot(engine: AsyncEngine) -> tuple[list[LedgerEntry], list[SignatureRow]]:
    """The chain and every row as of one moment (one REPEATABLE READ transaction): a
    capture sealed while they are read is in both or in neither, never taken for tampering."""
    async with engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="REPEATABLE READ")
        async with conn.begin():
            entries = await _entries(conn)
            statement = select(telephonic_signatures).order_by(_c.started_at, _c.id)
            rows = [_row(m) for m in (await conn.execute(statement)).mappings()]
    return entries, rows


async def _entries(conn: AsyncConnection) -> list[LedgerEntry]:
    statement = select(signature_ledger).order_by(signature_ledger.c.seq)
    return [LedgerEntry(**m) for m in (await conn.execute(statement)).mappings()]


async def keep_script(
    engine: AsyncEngine,
    *,
    script_id: str,
    language: str,
    version: str,
    parts: Sequence[Mapping[str, Any]],
    at: datetime,
) -> None:
    """Keep a script version's words the first time it is used (later uses change nothing)."""
    statement = (
        pg_insert(signature_scripts)
        .values(
            script_id=script_id,
            language=language,
            version=version,
            parts=[dict(part) for part in parts],
            first_used_at=at,
        )
        .on_conflict_do_nothing(constraint="uq_signature_scripts_version")
    )
    async with engine.begin() as conn:
        await conn.execute(statement)


async def script_parts(
    engine: AsyncEngine, script_id: str, language: str, version: str
) -> list[dict[str, Any]] | None:
    c = signature_scripts.c
    statement = select(c.parts).where(
        c.script_id == script_id, c.language == language, c.version == version
    )
    async with engine.connect() as conn:
        parts = (await conn.execute(statement)).scalar_one_or_none()
    return None if parts is None else list(parts)


async def record_access(engine: AsyncEngine, access: Access) -> None:
    values = {
        "at": access.at,
        "who": access.who,
        "role": access.role,
        "action": access.action,
        "subject": access.subject,
        "signature_ids": list(access.signature_ids),
        "part": access.part,
        "allowed": access.allowed,
    }
    async with engine.begin() as conn:
        await conn.execute(insert(signature_access).values(values))


def _entry_values(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "signature_id": entry.signature_id,
        "kind": entry.kind,
        "record": entry.record,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


def _row(mapping: Any) -> SignatureRow:
    return SignatureRow(**mapping)
