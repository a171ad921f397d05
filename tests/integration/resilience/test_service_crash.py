"""The service is killed (SIGKILL: no graceful stop, no hand-off) while a caller is in the main
menu, and started again: the caller is not left in silence, hears that the call goes on, and
their next keys answer the question they were at, not the language menu again.

The service that crashes is a real process (`ccc-telephony run`); the one that picks the call up
again is the suite's in-process service, on the same database and Asterisk."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import asyncpg
import pytest

from ccc_telephony.devstack.stack import Stack
from tests.integration.support.callers import CallerLine
from tests.integration.support.clock import ShiftedClock
from tests.integration.support.recorder import EventRecorder
from tests.integration.support.service import ServiceRunner
from tests.integration.support.steps import MAIN


async def _wait_for_event(db: asyncpg.Connection, call_id: str, name: str) -> None:
    """Until the crashing process has written the event (it runs elsewhere: no bus to hear)."""
    query = "SELECT count(*) FROM call_events WHERE call_id = $1 AND name = $2"
    async with asyncio.timeout(20):
        while not await db.fetchval(query, call_id, name):  # noqa: ASYNC110 (another process)
            await asyncio.sleep(0.05)


async def _wait_ready(port: int, process: asyncio.subprocess.Process) -> None:
    url = f"http://127.0.0.1:{port}/readyz"
    async with aiohttp.ClientSession() as http, asyncio.timeout(60):
        while process.returncode is None:
            with contextlib.suppress(aiohttp.ClientError):
                async with http.get(url) as reply:
                    if reply.status == 200:
                        return
            await asyncio.sleep(0.1)
    raise AssertionError("the service process ended before it was ready")


@pytest.fixture
async def open_by_override(db: asyncpg.Connection) -> AsyncIterator[None]:
    """The process runs on the real clock, whatever the hour of the run: open it by override
    (the service's own snow-day mechanism), cleared afterwards."""
    override_id = await db.fetchval(
        "INSERT INTO hours_overrides (open, until, reason, set_by)"
        " VALUES (true, now() + interval '15 minutes', 'crash test', 'tests') RETURNING id"
    )
    yield
    await db.execute(
        "UPDATE hours_overrides SET cleared_at = now(), cleared_by = 'tests' WHERE id = $1",
        override_id,
    )


@pytest.fixture
async def separate_service(
    stack: Stack,
    service_runner: ServiceRunner,
    database_url: str,
    tmp_path: Path,
    open_by_override: None,
) -> AsyncIterator[asyncio.subprocess.Process]:
    """`ccc-telephony run` in its own process instead of the in-process service; killed
    afterwards if the test did not, and the in-process service back."""
    await service_runner.stop()
    port = service_runner.settings.http_port
    env = {
        **os.environ,
        **stack.env,
        "DATABASE_URL": database_url,
        "CCC_HTTP_PORT": str(port),
        "CCC_LOG_FORMAT": "json",
        "CCC_LOG_FILE": str(tmp_path / "crashing-service.jsonl"),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ccc_telephony", "run", env=env, stdin=asyncio.subprocess.DEVNULL
    )
    try:
        await _wait_ready(port, process)
        yield process
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()
        if service_runner.current is None:
            await service_runner.start()


async def test_a_caller_in_the_menu_goes_on_where_they_were_after_a_crash(
    separate_service: asyncio.subprocess.Process,
    service_runner: ServiceRunner,
    line: CallerLine,
    db: asyncpg.Connection,
    open_hours: ShiftedClock,
) -> None:
    call = await line.call(MAIN)
    await _wait_for_event(db, call.ivr_id, "call_answered")
    await line.press(call, "1")  # English
    await _wait_for_event(db, call.ivr_id, "language_selected")

    separate_service.send_signal(signal.SIGKILL)
    await separate_service.wait()

    after = EventRecorder()
    await service_runner.start(after)
    resumed = await after.wait_for(call.ivr_id, "call_resumed", timeout=30)
    assert resumed.details["step"] == "main_menu"
    # Keys meant for the main menu and the case number, as the caller would press them now.
    await line.press(call, "2" + "2345678901#")
    queued = await after.wait_for(call.ivr_id, "queued", timeout=30)
    assert (queued.details["queue"], queued.details["language"]) == ("family", "en")
    channel = await line.wait_in_app(call.ivr_id, "Queue")
    assert channel["dialplan"]["exten"] == "family"
    assert "language_selected" not in after.names(call.ivr_id)
    assert "menu_choice" in after.names(call.ivr_id)
    await line.hangup(call)
    await after.wait_for(call.ivr_id, "call_ended")
