"""The chain on its own: sealed rows verify, and each kind of tampering is named (a changed,
deleted or reordered entry; a changed or deleted row; a purge not in the chain), while an
appended purge keeps everything valid."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from ccc_telephony.signatures.chain import (
    GENESIS,
    canonical,
    check_chain,
    check_rows,
    purge_of,
    seal_of,
)
from ccc_telephony.store.signatures import LedgerEntry, SignatureRow

START = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


def _open_row(n: int) -> SignatureRow:
    return SignatureRow(
        id=uuid.uuid4(),
        call_id=f"call-{n}",
        case_number="1234567890",
        ssn_last4=None,
        agent_id="maria",
        program="foodshare",
        language="en",
        script_id="attestation_foodshare",
        script_version="abc123",
        started_at=START + timedelta(minutes=n),
        ended_at=None,
        duration_seconds=None,
        status="recording",
        ended_by=None,
        caller_file=f"sig-{n:032x}",
        caller_bytes=None,
        caller_sha256=None,
        both_file=f"sig-{n + 100:032x}",
        both_bytes=None,
        both_sha256=None,
        chain_seq=None,
        chain_hash=None,
        purged_at=None,
    )


def _sealed(count: int) -> tuple[list[SignatureRow], list[LedgerEntry]]:
    """`count` captures sealed one after another, as store.append would chain them."""
    rows, entries = [], []
    for n in range(count):
        row = dataclasses.replace(
            _open_row(n),
            status="recorded",
            ended_at=START + timedelta(minutes=n, seconds=42),
            ended_by="end_code",
            duration_seconds=Decimal("42.125"),
            caller_bytes=1000 + n,
            caller_sha256=f"{n:064x}",
            both_bytes=2000 + n,
            both_sha256=f"{n + 1:064x}",
        )
        made = seal_of(row, n + 1, entries[-1].hash if entries else None)
        entries.append(made)
        rows.append(dataclasses.replace(row, chain_seq=made.seq, chain_hash=made.hash))
    return rows, entries


def test_sealed_rows_and_their_chain_verify() -> None:
    rows, entries = _sealed(4)
    assert entries[0].prev_hash == GENESIS
    assert check_chain(entries) == []
    assert check_rows(rows, entries) == []


def test_the_canonical_form_does_not_depend_on_key_order_or_time_zone() -> None:
    local = START.astimezone(datetime.now().astimezone().tzinfo)
    assert canonical({"b": 1, "a": START}) == canonical({"a": local, "b": 1})


def test_a_changed_entry_is_named() -> None:
    _, entries = _sealed(3)
    tampered = entries[1].record.replace('"maria"', '"mallory"')
    entries[1] = dataclasses.replace(entries[1], record=tampered)
    assert [str(p) for p in check_chain(entries)] == [
        "chain: entry 2: changed (its hash does not match)"
    ]


def test_a_deleted_entry_is_named() -> None:
    _, entries = _sealed(4)
    del entries[1]
    assert [str(p) for p in check_chain(entries)] == ["chain: entry 2: deleted (not in the chain)"]


def test_reordered_entries_are_named() -> None:
    _, entries = _sealed(4)
    second, third = entries[1], entries[2]
    entries[1] = dataclasses.replace(third, seq=2)
    entries[2] = dataclasses.replace(second, seq=3)
    found = [str(p) for p in check_chain(entries)]
    assert found[0] == "chain: entry 2: out of order (written after entry 3)", found
    assert any(p.startswith("chain: entry 3: out of order") for p in found), found


def test_a_changed_row_names_its_fields() -> None:
    rows, entries = _sealed(2)
    rows[0] = dataclasses.replace(rows[0], case_number="9999999999", status="incomplete")
    (problem,) = check_rows(rows, entries)
    assert str(problem) == f"row: signature {rows[0].id}: changed (case_number, status)"


def test_a_deleted_row_is_named_with_its_seal() -> None:
    rows, entries = _sealed(3)
    gone = rows.pop(1)
    (problem,) = check_rows(rows, entries)
    assert str(problem) == f"row: signature {gone.id}: deleted (sealed by entry 2)"


def test_a_row_added_outside_the_service_is_named() -> None:
    rows, entries = _sealed(1)
    forged = dataclasses.replace(rows[0], id=uuid.uuid4(), chain_seq=None, status="recorded")
    (problem,) = check_rows([*rows, forged], entries)
    assert "no seal in the chain" in str(problem)


def test_an_open_capture_is_not_a_problem() -> None:
    rows, entries = _sealed(1)
    assert check_rows([*rows, _open_row(9)], entries) == []


def test_a_purge_is_an_appended_fact_that_keeps_the_chain_valid() -> None:
    rows, entries = _sealed(3)
    purged = dataclasses.replace(rows[0], status="purged", purged_at=START + timedelta(days=2600))
    entries.append(purge_of(purged, 4, entries[-1].hash, by="admin", retention_years=7))
    rows[0] = purged
    assert check_chain(entries) == []
    assert check_rows(rows, entries) == []


def test_a_row_marked_purged_without_a_purge_in_the_chain_is_named() -> None:
    rows, entries = _sealed(2)
    rows[1] = dataclasses.replace(rows[1], status="purged", purged_at=START)
    (problem,) = check_rows(rows, entries)
    assert "changed (status)" in str(problem), problem


def test_a_purged_row_put_back_is_named() -> None:
    rows, entries = _sealed(1)
    purged = dataclasses.replace(rows[0], status="purged", purged_at=START)
    entries.append(purge_of(purged, 2, entries[-1].hash, by="admin", retention_years=7))
    (problem,) = check_rows(rows, entries)  # the row still says recorded
    assert "purged in the chain" in str(problem)
