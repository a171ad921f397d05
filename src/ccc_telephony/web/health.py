"""/healthz (the process answers), /readyz (ARI, AMI and the database answer), /metrics."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from aiohttp import web

from ccc_telephony.web.metrics import Metrics

Check = Callable[[], Awaitable[bool]]


def routes(*, checks: dict[str, Check], metrics: Metrics) -> web.RouteTableDef:
    table = web.RouteTableDef()

    @table.get("/healthz")
    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    @table.get("/readyz")
    async def readyz(_: web.Request) -> web.Response:
        names = list(checks)
        results = await asyncio.gather(*(_bounded(checks[name]) for name in names))
        status = dict(zip(names, results, strict=True))
        ready = all(status.values())
        return web.json_response({"ready": ready, "checks": status}, status=200 if ready else 503)

    @table.get("/metrics")
    async def prometheus(_: web.Request) -> web.Response:
        return web.Response(text=metrics.render(), content_type="text/plain", charset="utf-8")

    return table


async def _bounded(check: Check) -> bool:
    try:
        async with asyncio.timeout(3):
            return await check()
    except Exception:
        return False
