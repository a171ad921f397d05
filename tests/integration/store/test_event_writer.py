"""The event writer against a real PostgreSQL: batching, projection, outages, replays."""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any

import asyncpg
import pytest

from ccc_telephony.store import calls as calls_store
from ccc_telephony.store.events import CallEvent, EventWriter
from ccc_telephony.store.spool import Spool
from tests.integration.support.proxy import TcpProxy

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

pytestmark = pytest.mark.integration

TIMEOUT = 60


def _call_id() -> str:
    return f"test-{secrets.token_hex(6)}"


async def _stored_ids(db: asyncpg.Connection, prefix: str) -> list[Any]:
    rows = await db.fetch(
        "SELECT event_id, at FROM call_events WHERE call_id LIKE $1 ORDER BY id", prefix + "%"
    )
    ats = [r["at"] for r in rows]
    assert ats == sorted(ats), "rows were not written in emit order"
    return [r["event_id"] for r in rows]


class Flags:
    """on_degraded as awaitable events."""

    def __init__(self) -> None:
        self.degraded = asyncio.Event()
        self.recovered = asyncio.Event()
        self.history: list[bool] = []

    def __call__(self, state: bool) -> None:
        self.history.append(state)
        (self.degraded if state else self.recovered).set()


async def test_batches_land_with_their_calls_projection(
    engine: AsyncEngine, db: asyncpg.Connection, tmp_path: Path
) -> None:
    writes: list[int] = []
    writer = EventWriter(
        engine=engine,
        spool_path=tmp_path / "events.jsonl",
        batch_size=4,
        on_write=lambda n, seconds: writes.append(n),
    )
    ended, live = _call_id(), _call_id()
    flow: list[tuple[str, str, dict[str, Any]]] = [
        (
            ended,
            "call_started",
            {
                "caller_number": "+15551234567",
                "caller_name": "ANA LOPEZ",
                "dialed_number": "8005550100",
            },
        ),
        (
            live,
            "call_started",
            {"caller_number": "+15557654321", "caller_name": "BO", "dialed_number": "8005550100"},
        ),
        (ended, "call_answered", {}),
        (ended, "language_selected", {"language": "es"}),
        (ended, "menu_choice", {"program": "snap", "queue": "snap-es"}),
        (ended, "caller_identified", {"kind": "ssn", "ssn_last4": "1234", "ssn_hmac": "h1"}),
        (ended, "caller_identified", {"kind": "case", "case_number": "C-77"}),
        (ended, "after_hours", {"reason": "holiday"}),
        (ended, "override_applied", {"reason": "override_open"}),
        (ended, "operator_requested", {"queue": "general"}),
        (ended, "queued", {"queue": "snap-es"}),
        (ended, "prompt_played", {"prompt": "welcome"}),
        (ended, "call_ended", {"outcome": "answered_by_agent"}),
        (live, "menu_choice", {"queue": "medicaid"}),
    ]
    async with asyncio.timeout(TIMEOUT):
        await writer.start()
        for call_id, name, details in flow:
            writer.emit(CallEvent(call_id=call_id, name=name, details=details))
        await writer.wait_idle()
        await writer.stop()

    assert sum(writes) == len(flow) and max(writes) <= 4
    assert writer.written == len(flow) and not writer.degraded and writer.spooled == 0

    row = await calls_store.get_call(engine, ended)
    assert row is not None
    assert (row.caller_number, row.caller_name, row.dialed_number) == (
        "+15551234567",
        "ANA LOPEZ",
        "8005550100",
    )
    assert (row.language, row.program, row.queue) == ("es", "snap", "snap-es")
    assert (row.ssn_last4, row.ssn_hmac, row.case_number) == ("1234", "h1", "C-77")
    assert (row.hours_reason, row.outcome) == ("override_open", "answered_by_agent")
    assert row.started_at is not None and row.answered_at is not None
    assert row.ended_at is not None and row.started_at < row.answered_at < row.ended_at

    other = await calls_store.get_call(engine, live)
    assert other is not None and other.program is None and other.ended_at is None
    open_ids = await calls_store.open_calls(engine)
    assert live in open_ids and ended not in open_ids

    events = await calls_store.call_events(engine, ended)
    assert [e.name for e in events] == [name for cid, name, _ in flow if cid == ended]
    assert events[-2].details == {"prompt": "welcome"}
    assert ended in [c.call_id for c in await calls_store.list_calls(engine, limit=500)]


async def test_outage_spools_in_order_and_recovery_writes_each_event_once(
    proxied_engine: AsyncEngine, proxy: TcpProxy, db: asyncpg.Connection, tmp_path: Path
) -> None:
    prefix = _call_id()
    emitted: list[CallEvent] = []
    flags = Flags()
    during_drain: list[CallEvent] = []

    def emit_many(count: int) -> None:
        for _ in range(count):
            event = CallEvent(f"{prefix}-{len(emitted) % 7}", "tick", {"seq": len(emitted)})
            emitted.append(event)
            writer.emit(event)

    def on_write(n: int, seconds: float) -> None:
        # Events emitted while the spool is being drained must land after the spooled ones.
        if writer.degraded and not during_drain:
            before = len(emitted)
            emit_many(40)
            during_drain.extend(emitted[before:])

    spool_path = tmp_path / "events.jsonl"
    writer = EventWriter(
        engine=proxied_engine,
        spool_path=spool_path,
        batch_size=25,
        flush_interval=0.01,
        on_write=on_write,
        on_degraded=flags,
    )
    async with asyncio.timeout(TIMEOUT):
        await writer.start()
        emit_many(100)
        await writer.wait_idle()
        assert writer.written == 100

        await proxy.cut()
        emit_many(100)  # these meet the dead database
        await flags.degraded.wait()
        emit_many(300)  # these follow them into the spool
        seen = proxy.refused
        await proxy.wait_refused(seen + 2)  # each retry spools what is pending before it
        assert writer.degraded
        assert writer.spooled >= 300
        assert Spool(spool_path).count() == writer.spooled

        proxy.restore()
        await flags.recovered.wait()
        emit_many(60)  # straight to the database again
        await writer.wait_idle()
        await writer.stop()

    assert flags.history == [True, False]
    assert during_drain, "no event was emitted while the spool was draining"
    assert await _stored_ids(db, prefix) == [e.event_id for e in emitted]
    assert writer.spooled == 0 and Spool(spool_path).count() == 0


async def test_writer_stopped_while_degraded_leaves_a_spool_the_next_writer_drains(
    proxied_engine: AsyncEngine,
    proxy: TcpProxy,
    engine: AsyncEngine,
    db: asyncpg.Connection,
    tmp_path: Path,
) -> None:
    prefix = _call_id()
    spool_path = tmp_path / "events.jsonl"
    flags = Flags()
    first = EventWriter(engine=proxied_engine, spool_path=spool_path, on_degraded=flags)
    emitted = [CallEvent(f"{prefix}-a", "tick", {"seq": n}) for n in range(50)]
    late = CallEvent(f"{prefix}-a", "tick", {"seq": 50})
    async with asyncio.timeout(TIMEOUT):
        await proxy.cut()
        await first.start()
        for event in emitted:
            first.emit(event)
        await flags.degraded.wait()
        await first.stop()
        first.emit(late)  # after stop: straight to the spool, not lost
        assert Spool(spool_path).count() == 51 == first.spooled
        assert await _stored_ids(db, prefix) == []

        second = EventWriter(engine=engine, spool_path=spool_path)
        await second.start()
        assert second.degraded and second.spooled == 51
        fresh = CallEvent(f"{prefix}-a", "tick", {"seq": 51})
        second.emit(fresh)
        await second.wait_idle()
        await second.stop()

    expected = [e.event_id for e in [*emitted, late, fresh]]
    assert await _stored_ids(db, prefix) == expected
    assert Spool(spool_path).count() == 0 and not second.degraded


async def test_replaying_a_spool_after_a_crash_mid_drain_is_idempotent(
    engine: AsyncEngine, db: asyncpg.Connection, tmp_path: Path
) -> None:
    call_id = _call_id()
    spool_path = tmp_path / "events.jsonl"
    written = [
        CallEvent(call_id, "call_started", {"caller_name": "A"}),
        CallEvent(call_id, "queued", {"queue": "first"}),
        CallEvent(call_id, "queued", {"queue": "second"}),
    ]
    async with asyncio.timeout(TIMEOUT):
        writer = EventWriter(engine=engine, spool_path=spool_path)
        await writer.start()
        for event in written:
            writer.emit(event)
        await writer.wait_idle()
        await writer.stop()

        # A crash mid-drain: the spool still holds events that already reached the table,
        # followed by ones that did not, and a line torn by the crash.
        rest = [CallEvent(call_id, "tick", {"n": n}) for n in range(3)]
        Spool(spool_path).append([e.to_json() for e in [*written[1:], *rest]])
        with spool_path.open("a") as handle:
            handle.write(CallEvent(call_id, "tick", {"n": 99}).to_json()[:30])

        replay = EventWriter(engine=engine, spool_path=spool_path)
        await replay.start()
        await replay.wait_idle()
        await replay.stop()

    assert await _stored_ids(db, call_id) == [e.event_id for e in [*written, *rest]]
    assert replay.written == len(rest)
    row = await calls_store.get_call(engine, call_id)
    assert row is not None and row.queue == "second"  # the replayed 'first' was not re-applied


async def test_caller_controlled_strings_are_stored_verbatim(
    engine: AsyncEngine, db: asyncpg.Connection, tmp_path: Path
) -> None:
    call_id = _call_id()
    name = "'); DROP TABLE calls; --"
    number = "1' OR '1'='1"
    async with asyncio.timeout(TIMEOUT):
        writer = EventWriter(engine=engine, spool_path=tmp_path / "events.jsonl")
        await writer.start()
        writer.emit(
            CallEvent(call_id, "call_started", {"caller_name": name, "caller_number": number})
        )
        writer.emit(CallEvent(call_id, "language_selected", {"language": "$1; SELECT 1"}))
        await writer.wait_idle()
        await writer.stop()

    row = await calls_store.get_call(engine, call_id)
    assert row is not None
    assert (row.caller_name, row.caller_number, row.language) == (name, number, "$1; SELECT 1")
    details = await db.fetchval(
        "SELECT details->>'caller_name' FROM call_events WHERE call_id = $1 AND name = $2",
        call_id,
        "call_started",
    )
    assert details == name
    assert await db.fetchval("SELECT to_regclass('calls') IS NOT NULL")


async def test_events_the_database_refuses_do_not_stall_the_writer(
    engine: AsyncEngine, db: asyncpg.Connection, tmp_path: Path
) -> None:
    prefix = _call_id()
    spool_path = tmp_path / "events.jsonl"
    batch = [
        CallEvent(f"{prefix}-g", "tick", {"n": 0}),
        CallEvent(f"{prefix}-x", "call_started", {"caller_name": "nul\x00byte"}),
        CallEvent(f"{prefix}-g", "tick", {"n": 1}),
        CallEvent(f"{prefix}-p", "caller_identified", {"ssn_last4": "123456"}),
        CallEvent(f"{prefix}-g", "tick", {"n": 2}),
    ]
    unstorable = batch[1]
    async with asyncio.timeout(TIMEOUT):
        writer = EventWriter(engine=engine, spool_path=spool_path, batch_size=len(batch))
        await writer.start()
        for event in batch:
            writer.emit(event)
        await writer.wait_idle()
        await writer.stop()

    assert not writer.degraded and writer.spooled == 0
    stored = await _stored_ids(db, prefix)
    assert stored == [e.event_id for e in batch if e is not unstorable]
    row = await calls_store.get_call(engine, f"{prefix}-p")
    assert row is None  # its projection was refused; the event itself is kept
    rejected = Spool(spool_path.with_name(spool_path.name + ".rejected")).read(0, 10).lines
    assert [CallEvent.from_json(line) for line in rejected] == [unstorable]


async def test_stop_drains_the_spool_when_the_database_is_back(
    proxied_engine: AsyncEngine, proxy: TcpProxy, db: asyncpg.Connection, tmp_path: Path
) -> None:
    prefix = _call_id()
    spool_path = tmp_path / "events.jsonl"
    flags = Flags()
    writer = EventWriter(engine=proxied_engine, spool_path=spool_path, on_degraded=flags)
    emitted = [CallEvent(f"{prefix}-a", "tick", {"seq": n}) for n in range(30)]
    async with asyncio.timeout(TIMEOUT):
        await proxy.cut()
        await writer.start()
        for event in emitted:
            writer.emit(event)
        await flags.degraded.wait()
        proxy.restore()
        await writer.stop()

    assert await _stored_ids(db, prefix) == [e.event_id for e in emitted]
    assert Spool(spool_path).count() == 0 and not writer.degraded


QUEUED_THEN = {
    "answered": [
        ("queued", {"queue": "ebd"}),
        ("agent_answered", {"queue": "ebd", "agent": "maria", "wait_seconds": 12}),
        ("call_ended", {"outcome": "queued"}),
    ],
    "abandoned": [
        ("queued", {"queue": "ebd"}),
        ("abandoned", {"queue": "ebd", "wait_seconds": 40, "position": 1}),
        ("call_ended", {"outcome": "queued"}),
    ],
    "ended_in_queue": [("queued", {"queue": "ebd"}), ("call_ended", {"outcome": "queued"})],
    "message": [("after_hours", {"reason": "closed"}), ("call_ended", {"outcome": "message"})],
}


@pytest.mark.parametrize("outcome", sorted(QUEUED_THEN))
@pytest.mark.parametrize("order", ["as_happened", "reversed", "one_batch_each"])
async def test_a_calls_outcome_does_not_depend_on_the_order_its_events_arrive_in(
    engine: AsyncEngine, tmp_path: Path, outcome: str, order: str
) -> None:
    """Queue events come over AMI and the call's end over ARI, either first."""
    call_id = _call_id()
    events = QUEUED_THEN[outcome]
    writer = EventWriter(engine=engine, spool_path=tmp_path / "events.jsonl")
    async with asyncio.timeout(TIMEOUT):
        await writer.start()
        for name, details in reversed(events) if order == "reversed" else events:
            writer.emit(CallEvent(call_id=call_id, name=name, details=details))
            if order == "one_batch_each":
                await writer.wait_idle()
        await writer.wait_idle()
        await writer.stop()
    row = await calls_store.get_call(engine, call_id)
    assert row is not None and row.outcome == outcome and row.ended_at is not None
    if outcome == "answered":
        assert (row.agent_id, row.wait_seconds) == ("maria", 12)
        assert row.agent_answered_at is not None
    if outcome == "abandoned":
        assert row.abandoned_at is not None and row.wait_seconds == 40


async def test_a_call_still_going_has_no_outcome_until_an_agent_answers(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    call_id = _call_id()
    writer = EventWriter(engine=engine, spool_path=tmp_path / "events.jsonl")
    async with asyncio.timeout(TIMEOUT):
        await writer.start()
        writer.emit(CallEvent(call_id=call_id, name="queued", details={"queue": "ebd"}))
        await writer.wait_idle()
        assert (await calls_store.get_call(engine, call_id)).outcome is None  # type: ignore[union-attr]
        writer.emit(CallEvent(call_id, "agent_answered", {"agent": "kia", "wait_seconds": 3}))
        await writer.wait_idle()
        await writer.stop()
    row = await calls_store.get_call(engine, call_id)
    assert row is not None and row.outcome == "answered" and row.ended_at is None
