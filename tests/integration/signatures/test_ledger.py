"""The ledger on the real PostgreSQL, checked by the real `ccc-telephony signatures verify`:
it passes on what the service sealed, and names a flipped byte in a file, an edited row, a
deleted row and reordered chain entries (each undone after); a purge of audio past retention
is itself chained, so verify still passes after it."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

import asyncpg
import pytest

from ccc_telephony.app import Service
from ccc_telephony.signatures import ledger
from ccc_telephony.store.signatures import SignatureRow
from tests.integration.signatures.conftest import Signed
from tests.integration.support.clock import ShiftedClock

Cli = Callable[..., Awaitable[tuple[int, str]]]


@pytest.fixture
async def two(signed: Signed) -> AsyncIterator[tuple[SignatureRow, SignatureRow]]:
    yield await signed("maria"), await signed("tomas", complete=False)


async def _verify(cli: Cli) -> tuple[int, str]:
    return await cli("signatures", "verify")


async def _problems(service: Service) -> list[str]:
    """What `signatures verify` would print (FAIL lines), from the same code in-process."""
    report = await ledger.verify(service.engine, service.signatures.service.vault)
    return [f"FAIL {problem}" for problem in report.problems]


async def test_what_the_service_sealed_verifies(
    two: tuple[SignatureRow, SignatureRow], cli: Cli, db: asyncpg.Connection
) -> None:
    done, cut = two
    assert (done.status, cut.status) == ("recorded", "incomplete")
    assert done.chain_seq is not None and cut.chain_seq == done.chain_seq + 1
    assert done.caller_sha256 and done.both_sha256 and done.caller_bytes
    row = await db.fetchrow("SELECT * FROM telephonic_signatures WHERE id = $1", done.id)
    assert row["ssn_last4"] is None and row["case_number"] == done.case_number
    status, out = await _verify(cli)
    assert status == 0 and "verify ok" in out, out


async def test_a_flipped_byte_in_a_file_is_named(
    service: Service, two: tuple[SignatureRow, SignatureRow], cli: Cli
) -> None:
    done, _ = two
    path = service.signatures.service.vault.path(done.caller_file)
    original = path.read_bytes()
    flipped = bytearray(original)
    flipped[len(flipped) // 2] ^= 0x01
    path.write_bytes(bytes(flipped))
    try:
        status, out = await _verify(cli)
    finally:
        path.write_bytes(original)
    assert status == 1, out
    assert f"FAIL file: signature {done.id} caller file {done.caller_file}.wav: changed" in out
    assert (await _verify(cli))[0] == 0


async def test_an_edited_row_is_named(
    two: tuple[SignatureRow, SignatureRow], service: Service, db: asyncpg.Connection
) -> None:
    done, _ = two
    await db.execute("UPDATE telephonic_signatures SET agent_id = 'mallory' WHERE id = $1", done.id)
    try:
        found = await _problems(service)
    finally:
        await db.execute(
            "UPDATE telephonic_signatures SET agent_id = $2 WHERE id = $1", done.id, done.agent_id
        )
    assert found == [f"FAIL row: signature {done.id}: changed (agent_id)"]


async def test_a_deleted_row_is_named(
    two: tuple[SignatureRow, SignatureRow], service: Service, db: asyncpg.Connection
) -> None:
    _, cut = two
    saved = await db.fetchrow("SELECT * FROM telephonic_signatures WHERE id = $1", cut.id)
    await db.execute("DELETE FROM telephonic_signatures WHERE id = $1", cut.id)
    try:
        found = await _problems(service)
    finally:
        columns = list(saved.keys())
        places = ", ".join(f"${n}" for n in range(1, len(columns) + 1))
        await db.execute(
            f"INSERT INTO telephonic_signatures ({', '.join(columns)}) VALUES ({places})",
            *saved.values(),
        )
    assert found == [f"FAIL row: signature {cut.id}: deleted (sealed by entry {cut.chain_seq})"]
    assert await _problems(service) == []


async def _swap_entries(db: asyncpg.Connection, a: int, b: int) -> None:
    """Entries `a` and `b` change places (done twice, they are back)."""
    async with db.transaction():
        await db.execute("UPDATE signature_ledger SET seq = -seq WHERE seq IN ($1, $2)", a, b)
        await db.execute(
            "UPDATE signature_ledger SET seq = CASE seq WHEN -$1::bigint THEN $2 ELSE $1 END"
            " WHERE seq IN (-$1::bigint, -$2::bigint)",
            a,
            b,
        )


async def test_reordered_chain_entries_are_named(
    two: tuple[SignatureRow, SignatureRow], service: Service, db: asyncpg.Connection
) -> None:
    done, cut = two
    assert done.chain_seq is not None and cut.chain_seq is not None
    await _swap_entries(db, done.chain_seq, cut.chain_seq)
    try:
        found = await _problems(service)
    finally:
        await _swap_entries(db, done.chain_seq, cut.chain_seq)
    expected = (
        f"FAIL chain: entry {done.chain_seq}: out of order (written after entry {cut.chain_seq})"
    )
    assert expected in found, found
    assert await _problems(service) == []


async def test_a_purge_removes_old_audio_and_verify_still_passes(
    service: Service, signed: Signed, clock: ShiftedClock, cli: Cli, db: asyncpg.Connection
) -> None:
    """Through the real CLI: `signatures purge` (by the wall clock: the old capture is sealed
    by the service's clock set back seven years and a month), then `signatures verify`."""
    now = clock()
    clock.set(now - timedelta(days=365 * 7 + 30))
    old = await signed("maria")
    clock.set(now)
    recent = await signed("maria")
    vault = service.signatures.service.vault
    assert vault.path(old.caller_file).exists()

    status, out = await cli("signatures", "purge", "--by", "test purge")

    assert status == 0 and f"purged {old.id}" in out and str(recent.id) not in out, out
    assert not vault.path(old.caller_file).exists() and not vault.path(old.both_file).exists()
    assert vault.path(recent.caller_file).exists()
    row = await db.fetchrow(
        "SELECT status, purged_at, caller_sha256 FROM telephonic_signatures WHERE id = $1", old.id
    )
    assert row["status"] == "purged" and row["purged_at"] is not None
    assert row["caller_sha256"] == old.caller_sha256  # the seal keeps its hashes
    entry = await db.fetchrow(
        "SELECT kind, record FROM signature_ledger WHERE signature_id = $1 AND kind = 'purged'",
        old.id,
    )
    assert '"by":"test purge"' in entry["record"] and old.caller_file in entry["record"]
    status, out = await _verify(cli)
    assert status == 0 and "verify ok" in out, out
    again = await ledger.purge(service.engine, vault, now=now, by="again", retention_years=7)
    assert dataclasses.astuple(again) == ([], 0)
