"""The service's background jobs, supervised so that none can die silently.

A job is work the service does beside calls: refreshing the hours override, keeping the ARI
events link up, loading the agents and running their schedule. A bare task ends for the life
of the process at its first uncaught error, with nothing said until shutdown, and protected
time or Help shifts just stop. Here every job runs under one supervisor that logs a failure at
once with the job's name, runs the job again after a backoff (doubling, capped), and keeps its
health for /readyz and /metrics.

A job is failing from a failed attempt until it runs again: a long-running job once it is
restarted, a step job (`every`, `on_request`) once a step succeeds.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import structlog

log = structlog.get_logger(__name__)

Work = Callable[[], Awaitable[None]]
Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], datetime]


class JobState(StrEnum):
    RUNNING = "running"
    FAILING = "failing"  # its last attempt raised; it runs again after the backoff
    DONE = "done"  # a one-off job that finished


@dataclass
class JobHealth:
    name: str
    state: JobState = JobState.RUNNING
    failing_since: datetime | None = None
    last_error: str | None = None  # the exception's type: messages may hold data
    restarts: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "state": self.state.value,
            "failing_since": None if self.failing_since is None else self.failing_since.isoformat(),
            "last_error": self.last_error,
            "restarts": self.restarts,
        }


def _now() -> datetime:
    return datetime.now(UTC)


class BackgroundJobs:
    def __init__(
        self,
        *,
        first_backoff: float = 0.5,
        max_backoff: float = 10.0,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = _now,
    ) -> None:
        """`sleep` and `clock` are what tests replace to drive the backoff without waiting."""
        self._first_backoff = first_backoff
        self._max_backoff = max_backoff
        self._sleep = sleep
        self._clock = clock
        self.health: dict[str, JobHealth] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def run(self, name: str, work: Work) -> None:
        """Run `work` until it returns: a job that runs until cancelled (a link kept up) or a
        one-off (loading at start), started again after each failure."""
        self._start(name, work, then=None, running_on_restart=True)

    def every(self, name: str, seconds: float, step: Work) -> None:
        """Run `step` now and again `seconds` after each one ends."""

        async def pause() -> None:
            await self._sleep(seconds)

        self._start(name, step, then=pause, running_on_restart=False)

    def on_request(self, name: str, work: Work) -> Callable[[], None]:
        """A job that runs when asked, one run at a time: requests made during a run ask for
        one more, and a failed run is tried again. Returns the function that asks."""
        asked = asyncio.Event()

        async def when_asked() -> None:
            await asked.wait()
            asked.clear()
            try:
                await work()
            except Exception:
                asked.set()  # still to do
                raise

        async def nothing() -> None:
            return None

        self._start(name, when_asked, then=nothing, running_on_restart=False)
        return asked.set

    def failing(self) -> list[str]:
        return sorted(name for name, job in self.health.items() if job.state is JobState.FAILING)

    async def stop(self) -> None:
        for task in self._tasks.values():
            task.cancel()
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)
        self._tasks.clear()

    def _start(self, name: str, work: Work, *, then: Work | None, running_on_restart: bool) -> None:
        if name in self._tasks:
            raise ValueError(f"a background job named {name!r} is already running")
        health = self.health[name] = JobHealth(name)
        self._tasks[name] = asyncio.create_task(
            self._supervise(health, work, then, running_on_restart), name=name
        )

    async def _supervise(
        self, job: JobHealth, work: Work, then: Work | None, running_on_restart: bool
    ) -> None:
        """Attempts of `work`, with `then` between successful ones (None: one success ends)."""
        backoff = self._first_backoff
        while True:
            try:
                await work()
            except Exception as exc:
                self._failed(job, exc, backoff)
                await self._sleep(backoff)
                backoff = min(backoff * 2, self._max_backoff)
                job.restarts += 1
                if running_on_restart:
                    self._recovered(job)
                continue
            self._recovered(job)
            backoff = self._first_backoff
            if then is None:
                job.state = JobState.DONE
                return
            await then()

    def _failed(self, job: JobHealth, exc: Exception, backoff: float) -> None:
        if job.state is not JobState.FAILING:
            job.failing_since = self._clock()
        job.state = JobState.FAILING
        job.last_error = type(exc).__name__
        log.error(
            "background job failed; it runs again after a pause",
            job=job.name,
            error=job.last_error,
            retry_in_seconds=backoff,
            restarts=job.restarts,
            exc_info=exc,
        )

    @staticmethod
    def _recovered(job: JobHealth) -> None:
        if job.state is JobState.FAILING:
            log.info("background job running again", job=job.name, restarts=job.restarts)
        job.state = JobState.RUNNING
        job.failing_since = None


class Later:
    """Work started now and finished in the background (a call's record written when the call
    ends, a live notice once a commit is done): kept, so that `settled()` can wait for it (a
    stopping service, a test), and its failure logged under `what`, never lost in a bare task."""

    def __init__(self, what: str) -> None:
        self._what = what
        self._tasks: set[asyncio.Task[None]] = set()

    def __call__(self, work: Coroutine[Any, Any, None]) -> None:
        async def run() -> None:
            try:
                await work
            except Exception:
                log.exception("background work failed", what=self._what)

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def settled(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
