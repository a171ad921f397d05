"""HTTP routes for wrap-ups: the agent who took the call records it (or their lead,
supervisor, the admin); the missing ones are listed for the agent and for their unit's heads.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from ccc_telephony.config.agents import RosterAgent
from ccc_telephony.store.contacts import ContactRow
from ccc_telephony.web.auth import acted_on, principal_of
from ccc_telephony.web.reads import read_of_call_data
from ccc_telephony.web.validation import bad_request, parse_body
from ccc_telephony.wrapups.rules import BadWrapup, note_required
from ccc_telephony.wrapups.service import NotTheirCall, WrapupService

T = TypeVar("T")
Roster = Callable[[], Mapping[str, RosterAgent]]
MAX_CALL_ID = 64


class WrapupRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    disposition: str = Field(max_length=40)
    comment: str | None = Field(default=None, max_length=8_000)
    first_contact_resolved: bool
    interpreter_used: bool
    abusive_note: str | None = Field(default=None, max_length=8_000)


def describe(row: ContactRow, now: datetime) -> dict[str, Any]:
    def moment(value: datetime | None) -> str | None:
        return None if value is None else value.isoformat()

    return {
        "kind": row.kind,
        "call_id": row.call_id,
        "agent": row.agent_id,
        "started_at": moment(row.started_at),
        "ended_at": moment(row.ended_at),
        "due_at": moment(row.due_at),
        "missing": row.recorded_at is None and row.due_at is not None and row.due_at <= now,
        "abusive": row.abusive,
        "abusive_note_required": note_required(row),
        "wrapup": None
        if row.recorded_at is None
        else {
            "disposition": row.disposition,
            "comment": row.comment,
            "first_contact_resolved": row.first_contact_resolved,
            "interpreter_used": row.interpreter_used,
            "abusive_note": row.abusive_note,
            "recorded_by": row.recorded_by,
            "recorded_at": moment(row.recorded_at),
        },
    }


def routes(wrapups: WrapupService, roster: Roster) -> web.RouteTableDef:
    table = web.RouteTableDef()
    path = "/api/v1/agents/{agent_id}/calls/{call_id}/wrapup"

    @table.get(path)
    async def one(request: web.Request) -> web.Response:
        agent = acted_on(request, roster())
        row = await _known(wrapups.contact(agent.id, _call_id(request)))
        await read_of_call_data(request, "wrapup", agent=agent.id, call_id=row.call_id)
        return web.json_response(describe(row, wrapups.now()))

    @table.put(path)
    async def record(request: web.Request) -> web.Response:
        agent = acted_on(request, roster())
        call_id = _call_id(request)
        body = await parse_body(request, WrapupRequest)
        row = await _known(
            wrapups.record(
                agent.id,
                call_id,
                by=principal_of(request).who,
                disposition=body.disposition,
                comment=body.comment,
                first_contact_resolved=body.first_contact_resolved,
                interpreter_used=body.interpreter_used,
                abusive_note=body.abusive_note,
            )
        )
        return web.json_response(describe(row, wrapups.now()))

    @table.get("/api/v1/agents/{agent_id}/wrapups/missing")
    async def missing_of_agent(request: web.Request) -> web.Response:
        agent = acted_on(request, roster())
        await read_of_call_data(request, "wrapups_missing", agent=agent.id)
        return await _missing(wrapups, frozenset({agent.id}))

    @table.get("/api/v1/wrapups/missing")
    async def missing(request: web.Request) -> web.Response:
        await read_of_call_data(request, "wrapups_missing", agent=None)
        return await _missing(wrapups, wrapups.followed_by(principal_of(request)))

    @table.get("/api/v1/wrapups/dispositions")
    async def dispositions(_: web.Request) -> web.Response:
        return web.json_response(
            {
                "dispositions": wrapups.policy.dispositions,
                "due_minutes": wrapups.policy.due_minutes,
            }
        )

    return table


async def _missing(wrapups: WrapupService, agents: frozenset[str] | None) -> web.Response:
    rows = await wrapups.missing(agents)
    now = wrapups.now()
    return web.json_response({"missing": [describe(row, now) for row in rows]})


async def _known(work: Awaitable[T]) -> T:
    try:
        return await work
    except NotTheirCall as exc:
        raise web.HTTPNotFound(
            text=json.dumps({"error": "no such contact", "detail": str(exc)}),
            content_type="application/json",
        ) from None
    except BadWrapup as exc:
        raise bad_request(str(exc)) from None


def _call_id(request: web.Request) -> str:
    call_id = request.match_info["call_id"]
    if len(call_id) > MAX_CALL_ID or "\x00" in call_id:
        raise bad_request("call_id: not a call id")
    return call_id
