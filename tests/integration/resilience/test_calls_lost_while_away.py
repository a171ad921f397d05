"""The service starts while the database is down, so it cannot yet tell which calls it lost
while it was away. That work is not skipped for good: on the next connect to ARI after the
database is back, a call left open in the database and gone from Asterisk is closed."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import asyncpg

from tests.integration.support.proxy import TcpProxy
from tests.integration.support.readiness import wait_readiness
from tests.integration.support.recorder import EventRecorder
from tests.integration.support.service import ServiceRunner


async def test_lost_calls_are_closed_once_the_database_answers(
    service_runner: ServiceRunner, db: asyncpg.Connection, db_proxy: TcpProxy
) -> None:
    await service_runner.stop()
    lost = f"lost-{secrets.token_hex(4)}"  # no such channel in Asterisk
    await db.execute(
        "INSERT INTO calls (call_id, started_at) VALUES ($1, $2)",
        lost,
        datetime.now(UTC) - timedelta(minutes=3),
    )
    heard = EventRecorder()
    await db_proxy.cut()
    try:
        service = await service_runner.start(heard)  # connected to ARI, database down
    finally:
        db_proxy.restore()
    assert "call_ended" not in heard.names(lost)

    await service.events.drop()  # the next connect
    ended = await heard.wait_for(lost, "call_ended")
    assert ended.details["outcome"] == "ended_while_service_away"
    await service.writer.wait_idle()
    row = await db.fetchrow("SELECT ended_at, outcome FROM calls WHERE call_id = $1", lost)
    assert row is not None and row["ended_at"] is not None
    assert row["outcome"] == "ended_while_service_away"
    # The agents' start job, which failed while the database was down, has run again too.
    await wait_readiness(service.settings.http_port, lambda answer: answer[0] == 200)
