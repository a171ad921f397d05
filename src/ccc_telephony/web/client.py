"""The CLI's way into the running service: its HTTP API with the admin token.

Verbs that the service must apply itself (to Asterisk, or with its clock and call events) go
through here rather than to the database directly.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

import aiohttp

from ccc_telephony.config.settings import Settings


def api(settings: Settings, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    """(status, JSON body); status 0 when the service does not answer at all."""
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


def show(status: int, body: Any) -> int:
    """Print a successful answer as JSON (exit status 0), or the error (1)."""
    if status >= 300 or status == 0:
        return failed(status, body)
    print(json.dumps(body, indent=2))
    return 0


def failed(status: int, body: Any) -> int:
    detail = body.get("detail") or body.get("error") if isinstance(body, dict) else body
    print(f"error ({status}): {detail}", file=sys.stderr)
    return 1
