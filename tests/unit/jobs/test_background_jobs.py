"""The supervisor of background jobs, driven step by step: every pause it takes is a future
the test resolves, so backoff and recovery are checked without waiting for them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest
from structlog.testing import capture_logs

from ccc_telephony.jobs import BackgroundJobs, JobState

START = datetime.now(UTC)


class Pauses:
    """Stands in for asyncio.sleep: each pause waits until the test lets it end."""

    def __init__(self) -> None:
        self._asked: asyncio.Queue[tuple[float, asyncio.Future[None]]] = asyncio.Queue()

    async def __call__(self, seconds: float) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        await self._asked.put((seconds, done))
        await done

    async def next(self) -> tuple[float, asyncio.Future[None]]:
        async with asyncio.timeout(2):
            return await self._asked.get()

    async def end_next(self) -> float:
        """Wait for the next pause, end it, and say how long it was meant to be."""
        seconds, done = await self.next()
        done.set_result(None)
        return seconds


class Steps:
    """A job's work: each call takes the next outcome (None: success, else raise it)."""

    def __init__(self, *outcomes: Exception | None) -> None:
        self._outcomes = list(outcomes)
        self.calls = 0
        self.called = asyncio.Event()

    async def __call__(self) -> None:
        self.calls += 1
        self.called.set()
        outcome = self._outcomes.pop(0) if self._outcomes else None
        if outcome is not None:
            raise outcome


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def pauses() -> Pauses:
    return Pauses()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def jobs(pauses: Pauses, clock: Clock) -> AsyncIterator[BackgroundJobs]:
    supervisor = BackgroundJobs(first_backoff=0.5, max_backoff=4.0, sleep=pauses, clock=clock)
    yield supervisor
    await supervisor.stop()


async def _until(condition: Callable[[], bool]) -> None:
    """Let the job's task run until `condition` holds (it never sleeps for real)."""
    async with asyncio.timeout(2):
        while not condition():  # noqa: ASYNC110 (yields to the job; nothing to await)
            await asyncio.sleep(0)


async def test_a_failing_step_is_logged_at_once_retried_with_backoff_and_recovers(
    jobs: BackgroundJobs, pauses: Pauses, clock: Clock
) -> None:
    step = Steps(OSError("disk full"), RuntimeError("bug"), None)
    with capture_logs() as logs:
        jobs.every("agents-schedule", 5.0, step)
        seconds, first_backoff = await pauses.next()
        assert seconds == 0.5
        health = jobs.health["agents-schedule"]
        assert health.state is JobState.FAILING
        assert (health.last_error, health.failing_since, health.restarts) == ("OSError", START, 0)
        assert jobs.failing() == ["agents-schedule"]
        failed = [e for e in logs if e["log_level"] == "error"]
        assert failed and failed[0]["job"] == "agents-schedule"
        assert failed[0]["error"] == "OSError"

        clock.now = START + timedelta(seconds=1)
        first_backoff.set_result(None)
        assert await pauses.end_next() == 1.0  # doubled; still failing since the first error
        assert health.last_error == "RuntimeError" and health.failing_since == START
        assert await pauses.end_next() == 5.0  # the step's own interval: it worked
    assert step.calls == 3
    assert health.state is JobState.RUNNING and health.failing_since is None
    assert health.restarts == 2 and jobs.failing() == []
    assert any(e["event"] == "background job running again" for e in logs)


async def test_the_backoff_doubles_up_to_its_cap(jobs: BackgroundJobs, pauses: Pauses) -> None:
    jobs.every("hours-refresh", 5.0, Steps(*[TimeoutError()] * 6))
    assert [await pauses.end_next() for _ in range(6)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    await _until(lambda: jobs.health["hours-refresh"].restarts == 6)


async def test_a_long_running_job_is_restarted_and_running_again(
    jobs: BackgroundJobs, pauses: Pauses
) -> None:
    stay_up = asyncio.Event()

    async def link() -> None:
        if not stay_up.is_set():
            stay_up.set()
            raise ConnectionResetError
        await asyncio.Event().wait()  # up until cancelled

    jobs.run("ari-events", link)
    _, backoff = await pauses.next()
    health = jobs.health["ari-events"]
    assert health.state is JobState.FAILING and health.last_error == "ConnectionResetError"
    backoff.set_result(None)
    await _until(lambda: health.state is JobState.RUNNING)
    assert health.restarts == 1 and health.failing_since is None


async def test_a_one_off_job_is_done_once_it_succeeds(jobs: BackgroundJobs, pauses: Pauses) -> None:
    load = Steps(ConnectionRefusedError(), None)
    jobs.run("agents-start", load)
    assert await pauses.end_next() == 0.5
    await _until(lambda: jobs.health["agents-start"].state is JobState.DONE)
    assert load.calls == 2 and jobs.failing() == []


async def test_requests_during_a_run_make_one_more_run_and_a_failed_run_is_retried(
    jobs: BackgroundJobs, pauses: Pauses
) -> None:
    release: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    runs = 0

    async def resync() -> None:
        nonlocal runs
        runs += 1
        if runs == 1:
            await release
        elif runs == 2:
            raise ConnectionError("AMI went away")

    ask = jobs.on_request("agents-resync", resync)
    await asyncio.sleep(0)
    assert runs == 0  # nothing until asked
    ask()
    await _until(lambda: runs == 1)
    ask()
    ask()
    release.set_result(None)
    assert await pauses.end_next() == 0.5  # the second run failed: it is tried again
    await _until(lambda: runs == 3)
    await _until(lambda: jobs.health["agents-resync"].state is JobState.RUNNING)
    for _ in range(5):
        await asyncio.sleep(0)
    assert runs == 3  # three requests during one run made one more run, not three


async def test_names_are_unique_and_stop_ends_every_job(jobs: BackgroundJobs) -> None:
    step = Steps()
    jobs.every("hours-refresh", 5.0, step)
    with pytest.raises(ValueError, match="hours-refresh"):
        jobs.every("hours-refresh", 5.0, step)
    await step.called.wait()
    # Its own tasks only: the same loop may be running a whole service (the integration tests).
    own = set(jobs._tasks.values())
    await jobs.stop()
    assert own and all(task.done() for task in own)
