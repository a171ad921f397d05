"""/healthz (the process answers), /readyz (ARI, AMI and the database answer and no background
job is failing), /metrics."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web

from ccc_telephony.jobs import BackgroundJobs
from ccc_telephony.web.metrics import CONTENT_TYPE, Metrics

Check = Callable[[], Awaitable[bool]]
CHECK_TIMEOUT_SECONDS = 3.0
READINESS_TTL_SECONDS = 1.0


class Readiness:
    """ARI, AMI and the database, asked at most once a second however many /readyz requests
    come (a load balancer's probes, a script in a loop): requests during a round of checks
    share it, and those in the second after share its result. A flood of /readyz can then
    never load Asterisk or the database."""

    def __init__(
        self,
        checks: Mapping[str, Check],
        *,
        ttl: float = READINESS_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._checks = dict(checks)
        self._ttl = ttl
        self._clock = clock
        self._round: asyncio.Future[dict[str, bool]] | None = None
        self._checked_at = 0.0

    async def status(self) -> dict[str, bool]:
        current = self._round
        if current is None or (current.done() and self._clock() - self._checked_at >= self._ttl):
            current = self._round = asyncio.ensure_future(self._check_all())
        # A request that goes away (client closed) must not cancel the round others wait on.
        return await asyncio.shield(current)

    async def _check_all(self) -> dict[str, bool]:
        names = list(self._checks)
        results = await asyncio.gather(*(_bounded(self._checks[name]) for name in names))
        self._checked_at = self._clock()
        return dict(zip(names, results, strict=True))


def routes(*, readiness: Readiness, jobs: BackgroundJobs, metrics: Metrics) -> web.RouteTableDef:
    table = web.RouteTableDef()

    @table.get("/healthz")
    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    @table.get("/readyz")
    async def readyz(_: web.Request) -> web.Response:
        checks = await readiness.status()
        failing = jobs.failing()  # in memory: always current, never cached
        ready = all(checks.values()) and not failing
        body = {
            "ready": ready,
            "checks": checks,
            "failing_jobs": failing,
            "jobs": {name: job.as_json() for name, job in sorted(jobs.health.items())},
        }
        return web.json_response(body, status=200 if ready else 503)

    @table.get("/metrics")
    async def prometheus(_: web.Request) -> web.Response:
        return web.Response(body=metrics.render(), headers={"Content-Type": CONTENT_TYPE})

    return table


async def _bounded(check: Check) -> bool:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            return await check()
    except Exception:
        return False
