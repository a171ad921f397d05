"""A caller keys an SSN: afterwards the nine digits are nowhere on disk. The test searches every
table of the database, the service's own log (kept at debug level for the whole session) and
every file Asterisk wrote under its log folder (messages, queue_log, CDRs)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg

from ccc_telephony.app import Service
from ccc_telephony.devstack.asterisk import host_path
from ccc_telephony.devstack.stack import Stack
from ccc_telephony.ivr.identification import ssn_hash
from tests.integration.support.callers import CallerLine
from tests.integration.support.clock import ShiftedClock
from tests.integration.support.recorder import EventRecorder
from tests.integration.support.steps import Callers

SSN = "458127693"
PATTERNS = (SSN, "458-12-7693", "458 12 7693")


async def _database_text(db: asyncpg.Connection) -> str:
    tables = await db.fetch(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
    )
    dumps = []
    for table in tables:
        rows = await db.fetch(f'SELECT row_to_json(t)::text AS j FROM "{table["table_name"]}" t')
        dumps.extend(row["j"] for row in rows)
    return "\n".join(dumps)


def _files(service_log: Path, asterisk_logs: Path) -> dict[str, str]:
    files = [service_log, *(path for path in asterisk_logs.rglob("*") if path.is_file())]
    return {str(path): path.read_text(errors="replace") for path in files}


async def test_a_keyed_ssn_is_never_written_in_clear(
    stack: Stack,
    service: Service,
    line: CallerLine,
    recorder: EventRecorder,
    callers: Callers,
    db: asyncpg.Connection,
    open_hours: ShiftedClock,
    service_log: Path,
) -> None:
    call = await callers.dial()
    await line.press(call, "11" + SSN + "#")
    identified = await recorder.wait_for(call.ivr_id, "caller_identified")
    assert identified.details["kind"] == "ssn"
    assert identified.details["ssn_last4"] == "7693"
    await line.wait_in_app(call.ivr_id, "Queue")
    assert await line.variable(call.ivr_id, "CCC_SSN_LAST4") == "7693"
    await callers.hang_up(call)
    await service.writer.wait_idle()

    key = service.settings.secret("caller-hash-key").get_secret_value().encode()
    row = await db.fetchrow("SELECT * FROM calls WHERE call_id = $1", call.ivr_id)
    assert row is not None and row["ssn_last4"] == "7693"
    assert row["ssn_hmac"] == ssn_hash(SSN, key)

    everywhere = await asyncio.to_thread(
        _files, service_log, host_path(stack.root, stack.inst, "log")
    )
    everywhere["database"] = await _database_text(db)
    assert call.ivr_id in everywhere["database"]
    for where, text in everywhere.items():
        for pattern in PATTERNS:
            assert pattern not in text, f"the SSN is in clear in {where}"
