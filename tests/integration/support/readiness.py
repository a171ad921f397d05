"""/readyz as an orchestrator sees it. The service answers from a result up to a second old,
so a test that changed something waits until the endpoint says what it expects."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import aiohttp

Readiness = tuple[int, dict[str, Any]]


async def readiness(port: int) -> Readiness:
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/readyz") as r:
        return r.status, await r.json()


async def wait_readiness(
    port: int, until: Callable[[Readiness], bool], timeout: float = 30
) -> Readiness:
    """Polls the real endpoint (nothing else to await) until `until` holds for its answer."""
    async with asyncio.timeout(timeout):
        while not until(answer := await readiness(port)):  # noqa: ASYNC110 (polls HTTP)
            await asyncio.sleep(0.2)
    return answer
