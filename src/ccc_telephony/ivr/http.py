"""HTTP routes: the call records and each call's events (authenticated, read-only)."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.store import calls as calls_store
from ccc_telephony.web.validation import query_int


def routes(engine: AsyncEngine) -> web.RouteTableDef:
    table = web.RouteTableDef()

    @table.get("/api/v1/calls")
    async def list_calls(request: web.Request) -> web.Response:
        limit = query_int(request, "limit", default=50, low=1, high=500)
        rows = await calls_store.list_calls(engine, limit=limit)
        return web.json_response({"calls": [_plain(row) for row in rows]})

    @table.get("/api/v1/calls/{call_id}")
    async def one_call(request: web.Request) -> web.Response:
        call_id = request.match_info["call_id"][:64]
        row = await calls_store.get_call(engine, call_id)
        if row is None:
            raise web.HTTPNotFound(text="no such call")
        events = await calls_store.call_events(engine, call_id)
        return web.json_response({"call": _plain(row), "events": [_plain(e) for e in events]})

    return table


def _plain(row: Any) -> dict[str, Any]:
    data: dict[str, Any] = (
        dataclasses.asdict(row)
        if dataclasses.is_dataclass(row) and not isinstance(row, type)
        else dict(row)
    )
    return {key: _json_value(value) for key, value in data.items()}


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _json_value(v) for k, v in value.items()}
    if isinstance(value, (str, int, float, bool, list)) or value is None:
        return value
    return str(value)
