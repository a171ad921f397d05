"""Escalation follow-ups made by the call's own events in the event writer's transaction,
against a real PostgreSQL: due time from the writer's rules, the lead who answered, returned
escalations, replays, malformed details and a database outage."""

from __future__ import annotations

import asyncio
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import asyncpg
import pytest

from ccc_telephony.store import projection
from ccc_telephony.store.events import CallEvent, EventWriter
from ccc_telephony.store.projection import ProjectionRules
from tests.integration.support.proxy import TcpProxy

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

pytestmark = pytest.mark.integration

TIMEOUT = 60
TWO_HOURS = ProjectionRules(followup=timedelta(hours=2))


def _escalation(call_id: str, at: datetime, **extra: Any) -> tuple[str, CallEvent]:
    escalation_id = str(uuid.uuid4())
    details = {
        "escalation_id": escalation_id,
        "agent": "maria",
        "target": "help",
        "reason": "caller_request",
        "from_lead": None,
    }
    return escalation_id, CallEvent(call_id, "escalated", details | extra, at=at)


def _call_id() -> str:
    return f"esc-{secrets.token_hex(6)}"


async def _write(engine: AsyncEngine, tmp_path: Path, *events: CallEvent) -> None:
    writer = EventWriter(engine=engine, spool_path=tmp_path / "events.jsonl", rules=TWO_HOURS)
    async with asyncio.timeout(TIMEOUT):
        await writer.start()
        for event in events:
            writer.emit(event)
        await writer.wait_idle()
        await writer.stop()


async def _row(db: asyncpg.Connection, escalation_id: str) -> asyncpg.Record:
    row = await db.fetchrow(
        "SELECT * FROM escalation_followups WHERE id = $1", uuid.UUID(escalation_id)
    )
    assert row is not None
    return row


async def test_an_escalation_is_an_open_follow_up_due_the_rules_time_after(
    engine: AsyncEngine, db: asyncpg.Connection, tmp_path: Path
) -> None:
    call_id, at = _call_id(), datetime.now(UTC)
    escalation_id, escalated = _escalation(call_id, at, reason="worker_requested")
    answered = CallEvent(
        call_id,
        "escalation_answered",
        {"escalation_id": escalation_id, "lead": "lena"},
        at=at + timedelta(seconds=40),
    )
    await _write(engine, tmp_path, escalated, answered)
    row = await _row(db, escalation_id)
    assert (row["call_id"], row["agent_id"], row["target"], row["reason"]) == (
        call_id,
        "maria",
        "help",
        "worker_requested",
    )
    assert row["created_at"] == at and row["due_at"] == at + timedelta(hours=2)
    assert (row["status"], row["lead_id"]) == ("open", "lena")
    assert row["answered_at"] == at + timedelta(seconds=40)


@pytest.mark.parametrize(
    ("order", "status", "lead"),
    [
        (["returned"], "returned", None),  # no lead answered: nobody owes a follow-up
        (["answered", "returned"], "open", "lena"),  # the lead heard it: still owed
        (["returned", "answered"], "open", "lena"),  # the two calls' events, other order
    ],
)
async def test_a_returned_escalation_is_owed_only_if_a_lead_answered(
    engine: AsyncEngine,
    db: asyncpg.Connection,
    tmp_path: Path,
    order: list[str],
    status: str,
    lead: str | None,
) -> None:
    call_id, at = _call_id(), datetime.now(UTC)
    escalation_id, escalated = _escalation(call_id, at)
    later = {
        "answered": CallEvent(
            f"{call_id}-lead",
            "escalation_answered",
            {"escalation_id": escalation_id, "lead": "lena"},
        ),
        "returned": CallEvent(
            call_id, "escalation_returned", {"escalation_id": escalation_id, "why": "agent_hung_up"}
        ),
    }
    await _write(engine, tmp_path, escalated, *(later[name] for name in order))
    row = await _row(db, escalation_id)
    assert (row["status"], row["lead_id"]) == (status, lead)
    assert row["returned_why"] == "agent_hung_up" and row["returned_at"] is not None


async def test_applying_the_same_events_again_changes_nothing(
    engine: AsyncEngine, db: asyncpg.Connection
) -> None:
    call_id, at = _call_id(), datetime.now(UTC)
    escalation_id, escalated = _escalation(call_id, at)
    first = [
        escalated,
        CallEvent(call_id, "escalation_answered", {"escalation_id": escalation_id, "lead": "lena"}),
        CallEvent(call_id, "escalation_returned", {"escalation_id": escalation_id, "why": "a"}),
    ]
    again = [
        _escalation(call_id, at + timedelta(hours=5), escalation_id=escalation_id)[1],
        CallEvent(call_id, "escalation_answered", {"escalation_id": escalation_id, "lead": "kim"}),
        CallEvent(call_id, "escalation_returned", {"escalation_id": escalation_id, "why": "b"}),
    ]
    async with engine.begin() as conn:
        await projection.project(conn, first, TWO_HOURS)
    before = dict(await _row(db, escalation_id))
    async with engine.begin() as conn:
        await projection.project(conn, first, TWO_HOURS)
        await projection.project(conn, again, TWO_HOURS)
    assert dict(await _row(db, escalation_id)) == before
    assert (before["lead_id"], before["returned_why"], before["due_at"]) == (
        "lena",
        "a",
        at + timedelta(hours=2),
    )


async def test_an_escalation_missing_its_id_is_kept_as_an_event_and_blocks_nothing(
    engine: AsyncEngine, db: asyncpg.Connection, tmp_path: Path
) -> None:
    call_id, at = _call_id(), datetime.now(UTC)
    _, broken = _escalation(call_id, at, escalation_id="not-a-uuid")
    escalation_id, good = _escalation(call_id, at + timedelta(seconds=1))
    await _write(engine, tmp_path, broken, good)
    names = await db.fetch("SELECT name FROM call_events WHERE call_id = $1 ORDER BY id", call_id)
    assert [r["name"] for r in names] == ["escalated", "escalated"]
    rows = await db.fetch("SELECT id FROM escalation_followups WHERE call_id = $1", call_id)
    assert [str(r["id"]) for r in rows] == [escalation_id]


async def test_an_escalation_during_a_database_outage_becomes_its_follow_up_afterwards(
    proxied_engine: AsyncEngine, proxy: TcpProxy, db: asyncpg.Connection, tmp_path: Path
) -> None:
    call_id, at = _call_id(), datetime.now(UTC)
    escalation_id, escalated = _escalation(call_id, at)
    answered = CallEvent(
        call_id, "escalation_answered", {"escalation_id": escalation_id, "lead": "lena"}
    )
    degraded = asyncio.Event()
    writer = EventWriter(
        engine=proxied_engine,
        spool_path=tmp_path / "events.jsonl",
        rules=TWO_HOURS,
        on_degraded=lambda state: degraded.set() if state else None,
    )
    async with asyncio.timeout(TIMEOUT):
        await proxy.cut()
        try:
            await writer.start()
            writer.emit(escalated)
            writer.emit(answered)
            await degraded.wait()
            found = "SELECT count(*) FROM escalation_followups WHERE call_id = $1"
            assert await db.fetchval(found, call_id) == 0
        finally:
            proxy.restore()
        await writer.wait_idle()
        await writer.stop()
    row = await _row(db, escalation_id)
    assert (row["status"], row["lead_id"], row["due_at"]) == (
        "open",
        "lena",
        at + timedelta(hours=2),
    )
