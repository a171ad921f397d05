"""A real SIP caller (SIPp on the caller trunk, keys by SIP INFO) through the whole IVR."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import asyncpg

from ccc_telephony.app import Service
from ccc_telephony.devstack.stack import Stack
from tests.integration.support.clock import ShiftedClock
from tests.integration.support.ports import free_udp_port
from tests.integration.support.recorder import EventRecorder, wait_for_call_started
from tests.sipp import CallerScript, run_caller


async def test_sip_caller_with_hostile_caller_id_reaches_family_queue(
    service: Service,
    stack: Stack,
    recorder: EventRecorder,
    db: asyncpg.Connection,
    open_hours: ShiftedClock,
    tmp_path: Path,
) -> None:
    marker = uuid.uuid4().hex[:8]
    name = f"Robert'); DROP TABLE calls;-- {marker} ${{EXTEN}}"
    script = CallerScript(keys="12" + "1234567890#", hold_ms=9000, name=name)
    caller = asyncio.create_task(
        asyncio.to_thread(
            run_caller,
            script,
            tmp_path,
            target=f"127.0.0.1:{stack.inst.ports.sip}",
            service="6085550100",
            local_port=free_udp_port(),
            media_port=free_udp_port(even=True),
        )
    )
    call_id = await wait_for_call_started(recorder, name)
    queued = await recorder.wait_for(call_id, "queued")
    assert queued.details["queue"] == "family"
    result = await caller
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    await recorder.wait_for(call_id, "call_ended")
    await service.writer.wait_idle()
    row = await db.fetchrow("SELECT * FROM calls WHERE call_id = $1", call_id)
    assert row["caller_name"] == name  # stored verbatim, as data
    assert row["caller_number"] == "6085551234"
    assert (row["language"], row["queue"], row["case_number"]) == ("en", "family", "1234567890")
    assert await db.fetchval("SELECT count(*) FROM calls") >= 1  # the table is still there
