"""/readyz through a real aiohttp server: a flood of requests costs one round of checks a
second, and a failing background job makes the service not ready, by name."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from ccc_telephony.jobs import BackgroundJobs
from ccc_telephony.web import health
from ccc_telephony.web.metrics import Metrics


class CountedCheck:
    """A check that counts its calls and answers once the test releases it."""

    def __init__(self) -> None:
        self.calls = 0
        self.release = asyncio.Event()

    async def __call__(self) -> bool:
        self.calls += 1
        await self.release.wait()
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def _never(_seconds: float) -> None:
    await asyncio.Event().wait()


@pytest.fixture
async def jobs() -> AsyncIterator[BackgroundJobs]:
    supervisor = BackgroundJobs(sleep=_never)  # a failed job stays failing during the test
    yield supervisor
    await supervisor.stop()


async def _client(readiness: health.Readiness, jobs: BackgroundJobs) -> TestClient:
    app = web.Application()
    app.add_routes(health.routes(readiness=readiness, jobs=jobs, metrics=Metrics()))
    client = TestClient(TestServer(app))
    await client.start_server()
    return client


async def test_many_concurrent_readyz_cause_one_round_of_checks(jobs: BackgroundJobs) -> None:
    ari, database = CountedCheck(), CountedCheck()
    clock = Clock()
    readiness = health.Readiness({"ari": ari, "database": database}, clock=clock)
    client = await _client(readiness, jobs)
    try:
        flood = [asyncio.ensure_future(client.get("/readyz")) for _ in range(50)]
        async with asyncio.timeout(5):
            while ari.calls == 0:  # noqa: ASYNC110 (the first request reached the checks)
                await asyncio.sleep(0.01)
        ari.release.set()
        database.release.set()
        replies = await asyncio.gather(*flood)
        assert [reply.status for reply in replies] == [200] * 50
        assert (ari.calls, database.calls) == (1, 1)

        clock.now += 0.5  # still fresh: answered from the last round
        assert (await client.get("/readyz")).status == 200
        assert ari.calls == 1
        clock.now += 0.5  # a second after: asked again
        body = await (await client.get("/readyz")).json()
        assert body["checks"] == {"ari": True, "database": True}
        assert (ari.calls, database.calls) == (2, 2)
    finally:
        await client.close()


async def test_a_failing_background_job_makes_readyz_name_it(jobs: BackgroundJobs) -> None:
    async def up() -> bool:
        return True

    async def broken() -> None:
        raise OSError("read-only file system")

    tried = asyncio.Event()

    async def idle() -> None:
        tried.set()

    jobs.every("hours-refresh", 5.0, idle)
    jobs.every("agents-schedule", 5.0, broken)
    await tried.wait()
    async with asyncio.timeout(2):
        while not jobs.failing():  # noqa: ASYNC110 (yields to the job; nothing to await)
            await asyncio.sleep(0)
    client = await _client(health.Readiness({"ami": up}), jobs)
    try:
        reply = await client.get("/readyz")
        body = await reply.json()
    finally:
        await client.close()
    assert reply.status == 503 and body["ready"] is False
    assert body["checks"] == {"ami": True}
    assert body["failing_jobs"] == ["agents-schedule"]
    failing = body["jobs"]["agents-schedule"]
    assert failing["state"] == "failing" and failing["last_error"] == "OSError"
    assert failing["failing_since"] is not None
    assert body["jobs"]["hours-refresh"]["state"] == "running"
