"""The CLI's way to the running service's API, with the admin token.

Changes that the running service must apply at once (an agent's state, the consortium
directory it holds in memory) go through its API rather than straight to the database.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

import aiohttp

from ccc_telephony.config.settings import Settings


def call_api(settings: Settings, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    """(status, JSON body); status 0 when the service is not answering."""
    token = settings.secret("admin-token").get_secret_value()
    url = f"http://{settings.http_host}:{settings.http_port}{path}"

    async def call() -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"}
        async with (
            aiohttp.ClientSession() as http,
            http.request(method, url, json=body, headers=headers) as reply,
        ):
            return reply.status, await reply.json(content_type=None)

    try:
        return asyncio.run(call())
    except aiohttp.ClientError as exc:
        return 0, {"error": "the service is not answering", "detail": str(exc)}


def show_reply(status: int, body: Any) -> int:
    """Print a success as indented JSON (exit status 0) or the error (exit status 1)."""
    if status >= 300 or status == 0:
        return report_failure(status, body)
    print(json.dumps(body, indent=2))
    return 0


def report_failure(status: int, body: Any) -> int:
    detail = body.get("detail") or body.get("error") if isinstance(body, dict) else body
    print(f"error ({status}): {detail}", file=sys.stderr)
    return 1
