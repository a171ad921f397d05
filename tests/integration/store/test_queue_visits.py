"""Queue visits kept by the call's events in the event writer's transaction, against a real
PostgreSQL: answered, abandoned, transferred and escalated visits, a caller who visits two
queues, a visit whose join was never told, events of one hand-off in either order, and a
replayed batch that counts nothing twice."""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import asyncpg
import pytest

from ccc_telephony.store.events import CallEvent, EventWriter
from tests.integration.support.clock import wednesday_weeks_ago

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

pytestmark = pytest.mark.integration

TIMEOUT = 60
T0 = datetime.combine(wednesday_weeks_ago(34), time(15, 0), tzinfo=UTC)


async def _write(engine: AsyncEngine, tmp_path: Path, *events: CallEvent) -> None:
    writer = EventWriter(engine=engine, spool_path=tmp_path / "events.jsonl")
    async with asyncio.timeout(TIMEOUT):
        await writer.start()
        for event in events:
            writer.emit(event)
        await writer.wait_idle()
        await writer.stop()


class Call:
    """One caller's events, `seconds` after T0."""

    def __init__(self) -> None:
        self.id = f"visit-{secrets.token_hex(6)}"

    def __call__(self, seconds: float, name: str, **details: Any) -> CallEvent:
        return CallEvent(self.id, name, details, at=T0 + timedelta(seconds=seconds))

    def started(self) -> list[CallEvent]:
        return [
            self(0, "call_started", caller_number="6515550123"),
            self(5, "caller_identified", case_number="4567890123"),
        ]


async def _visits(db: asyncpg.Connection, call: Call) -> list[asyncpg.Record]:
    return await db.fetch(
        "SELECT * FROM queue_visits WHERE call_id = $1 ORDER BY joined_at", call.id
    )


async def test_an_answered_visit_holds_the_wait_the_agent_and_the_talk(
    engine: AsyncEngine, db: asyncpg.Connection, tmp_path: Path
) -> None:
    call = Call()
    await _write(
        engine,
        tmp_path,
        *call.started(),
        call(10, "queue_joined", queue="ebd", position=3),
        call(52, "agent_answered", queue="ebd", agent="maria", wait_seconds=42),
        call(352, "agent_call_completed", queue="ebd", agent="maria", talk_seconds=300),
        call(353, "call_ended", outcome="queued"),
    )
    [visit] = await _visits(db, call)
    assert (visit["queue"], visit["position"], visit["agent_id"]) == ("ebd", 3, "maria")
    assert (visit["joined_at"], visit["answered_at"]) == (
        T0 + timedelta(seconds=10),
        T0 + timedelta(seconds=52),
    )
    assert (visit["wait_seconds"], visit["talk_seconds"], visit["outcome"]) == (42, 300, "answered")
    assert visit["ended_at"] == T0 + timedelta(seconds=352)
    assert (visit["caller_number"], visit["case_key"]) == ("6515550123", "case:4567890123")


async def test_an_abandoned_visit_and_a_caller_who_left_otherwise(
    engine: AsyncEngine, db: asyncpg.Connection, tmp_path: Path
) -> None:
    gone, left = Call(), Call()
    await _write(
        engine,
        tmp_path,
        gone(10, "queue_joined", queue="family", position=1),
        gone(17, "abandoned", queue="family", wait_seconds=7, position=1),
        gone(17.5, "call_ended", outcome="queued"),
        left(10, "queue_joined", queue="family", position=2),
        left(40, "call_ended", outcome="queued"),
    )
    [abandoned] = await _visits(db, gone)
    assert (abandoned["outcome"], abandoned["wait_seconds"]) == ("abandoned", 7)
    assert abandoned["ended_at"] == T0 + timedelta(seconds=17)
    [unexplained] = await _visits(db, left)
    assert (unexplained["outcome"], unexplained["wait_seconds"]) == ("left", 30)


async def test_a_transferred_caller_visits_two_queues(
    engine: AsyncEngine, db: asyncpg.Connection, tmp_path: Path
) -> None:
    call = Call()
    await _write(
        engine,
        tmp_path,
        call(0, "queue_joined", queue="ebd", position=1),
        call(20, "agent_answered", queue="ebd", agent="maria", wait_seconds=20),
        call(80, "agent_call_completed", queue="ebd", agent="maria", talk_seconds=60),
        call(81, "transfer_completed", from_agent="maria", kind="blind", target="family"),
        call(85, "queue_joined", queue="family", position=1),
        call(95, "agent_answered", queue="family", agent="lee", wait_seconds=10),
        call(195, "agent_call_completed", queue="family", agent="lee", talk_seconds=100),
    )
    first, second = await _visits(db, call)
    assert (first["queue"], first["outcome"], first["talk_seconds"]) == (
        "ebd",
        "transferred_out",
        60,
    )
    assert (second["queue"], second["outcome"], second["agent_id"]) == ("family", "answered", "lee")


@pytest.mark.parametrize("transfer_first", [False, True])
async def test_an_escalation_stays_one_whatever_order_its_events_come_in(
    engine: AsyncEngine, db: asyncpg.Connection, tmp_path: Path, transfer_first: bool
) -> None:
    call = Call()
    escalated = call(30, "escalated", agent="maria", target="help", reason="caller_request")
    transferred = call(30, "transfer_completed", from_agent="maria", kind="blind", target="help")
    hand_off = [transferred, escalated] if transfer_first else [escalated, transferred]
    await _write(
        engine,
        tmp_path,
        call(0, "queue_joined", queue="ebd", position=1),
        call(10, "agent_answered", queue="ebd", agent="maria", wait_seconds=10),
        *hand_off,
        call(31, "agent_call_completed", queue="ebd", agent="maria", talk_seconds=21),
    )
    [visit] = await _visits(db, call)
    assert visit["outcome"] == "escalated"


async def test_a_visit_whose_join_was_never_told_is_made_by_its_answer(
    engine: AsyncEngine, db: asyncpg.Connection, tmp_path: Path
) -> None:
    call = Call()
    await _write(
        engine,
        tmp_path,
        *call.started(),
        call(60, "agent_answered", queue="ebd", agent="maria", wait_seconds=25),
        call(90, "agent_call_completed", queue="ebd", agent="maria", ended_by="unreported"),
    )
    [visit] = await _visits(db, call)
    assert visit["joined_at"] == T0 + timedelta(seconds=35)
    assert (visit["wait_seconds"], visit["talk_seconds"]) == (25, 30)
    assert visit["caller_number"] == "6515550123"


async def test_replayed_events_count_nothing_twice(
    engine: AsyncEngine, db: asyncpg.Connection, tmp_path: Path
) -> None:
    call = Call()
    events = [
        call(0, "queue_joined", queue="ebd", position=1),
        call(9, "abandoned", queue="ebd", wait_seconds=9, position=1),
    ]
    await _write(engine, tmp_path, *events)
    await _write(engine, tmp_path, *events)  # a spool drained again after a crash
    [visit] = await _visits(db, call)
    assert (visit["outcome"], visit["wait_seconds"]) == ("abandoned", 9)


@pytest.mark.parametrize("later_first", [False, True])
async def test_a_visit_knows_the_next_call_of_its_case_whatever_order_they_are_written(
    engine: AsyncEngine, db: asyncpg.Connection, tmp_path: Path, later_first: bool
) -> None:
    first, second, third = Call(), Call(), Call()
    case = f"77{secrets.randbelow(10**8):08d}"

    def visit(call: Call, start: float) -> list[CallEvent]:
        return [
            call(start, "call_started", caller_number="6515550123"),
            call(start + 1, "caller_identified", case_number=case),
            call(start + 2, "queue_joined", queue="ebd", position=1),
        ]

    batches = [visit(first, 0), visit(second, 3600), visit(third, 7200)]
    for batch in reversed(batches) if later_first else batches:
        await _write(engine, tmp_path, *batch)
    [one], [two], [three] = [await _visits(db, c) for c in (first, second, third)]
    assert one["next_contact_at"] == two["joined_at"]
    assert two["next_contact_at"] == three["joined_at"]
    assert three["next_contact_at"] is None
