"""HTTP routes: the call records and each call's events (authenticated, read-only).

The keyed hash of a caller's SSN is kept in the database to match calls of the same person, and
never returned: there are only 10^9 SSNs, so whoever also holds the key inverts it in minutes.
A caller is shown by the SSN's last four digits.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.store import calls as calls_store
from ccc_telephony.web.reads import read_of_call_data
from ccc_telephony.web.validation import query_int

MAX_CALL_ID = 64
# Never in a reply, neither as a column of a call nor as a detail of one of its events.
PRIVATE_FIELDS = frozenset({"ssn_hmac"})


def routes(engine: AsyncEngine) -> web.RouteTableDef:
    table = web.RouteTableDef()

    @table.get("/api/v1/calls")
    async def list_calls(request: web.Request) -> web.Response:
        limit = query_int(request, "limit", default=50, low=1, high=500)
        await read_of_call_data(request, "calls", limit=limit)
        rows = await calls_store.list_calls(engine, limit=limit)
        return web.json_response({"calls": [_plain(row) for row in rows]})

    @table.get("/api/v1/calls/{call_id}")
    async def one_call(request: web.Request) -> web.Response:
        call_id = request.match_info["call_id"]
        # Asterisk's channel ids are short, and PostgreSQL cannot even compare a text with NUL.
        unstorable = len(call_id) > MAX_CALL_ID or "\x00" in call_id
        row = None if unstorable else await calls_store.get_call(engine, call_id)
        if row is None:
            raise web.HTTPNotFound(text="no such call")
        await read_of_call_data(request, "call", call_id=call_id)
        events = await calls_store.call_events(engine, call_id)
        return web.json_response({"call": _plain(row), "events": [_plain(e) for e in events]})

    return table


def _plain(row: Any) -> dict[str, Any]:
    data: dict[str, Any] = (
        dataclasses.asdict(row)
        if dataclasses.is_dataclass(row) and not isinstance(row, type)
        else dict(row)
    )
    return _public(data)


def _public(data: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _json_value(value) for key, value in data.items() if key not in PRIVATE_FIELDS}


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return _public(value)
    if isinstance(value, list):
        return [_json_value(item) for item in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)
