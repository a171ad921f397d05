"""HTTP routes for threats: flag the agent's current call, and the records.

A record someone may not see is a 403 (ids are random: nothing to probe), and the refusal is
audited like every look; in a listing it is simply absent.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from ccc_telephony.agents.calls import AgentCall
from ccc_telephony.store.threats import ThreatRow
from ccc_telephony.threats.rules import AlreadyDecided, NotYours
from ccc_telephony.threats.service import NotRecorded, ThreatService, UnknownThreat
from ccc_telephony.web.auth import forbidden, principal_of
from ccc_telephony.web.validation import UnsafeText, bad_request, parse_body, query_int

# The agent's current call a route acts on, or the HTTP error why none (CallTools.call_of).
CallOf = Callable[[web.Request], Awaitable[AgentCall]]


class AccountRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    account: str = Field(max_length=20_000)


class DecisionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reported_to_law_enforcement: bool
    notes: str | None = Field(default=None, max_length=4_000)


def describe(row: ThreatRow) -> dict[str, Any]:
    def moment(value: datetime | None) -> str | None:
        return None if value is None else value.isoformat()

    return {
        "id": str(row.id),
        "call_id": row.call_id,
        "case_number": row.case_number,
        "agent": row.agent_id,
        "supervisors": row.supervisor_ids,
        "flagged_at": row.flagged_at.isoformat(),
        "flagged_by": row.flagged_by,
        "source": row.source,
        "account": row.account,
        "account_updated_at": moment(row.account_updated_at),
        "decision": None
        if row.decided_at is None
        else {
            "reported_to_law_enforcement": row.reported_to_law_enforcement,
            "decided_at": moment(row.decided_at),
            "decided_by": row.decided_by,
            "notes": row.decision_notes,
        },
        "emailed_to": row.emailed_to,
        "emailed_at": moment(row.emailed_at),
        "email_error": row.email_error,
    }


def routes(threats: ThreatService, call_of: CallOf) -> web.RouteTableDef:
    table = web.RouteTableDef()

    @table.post("/api/v1/agents/{agent_id}/call/threat")
    async def flag(request: web.Request) -> web.Response:
        call = await call_of(request)
        try:
            row, made = await threats.flag(
                call.agent, call.caller, by=principal_of(request).who, source="api"
            )
        except NotRecorded as exc:
            raise web.HTTPServiceUnavailable(
                text=json.dumps({"error": "not recorded", "detail": str(exc)}),
                content_type="application/json",
            ) from None
        if made:
            return web.json_response(describe(row), status=201)
        # Flagged already: whoever asked may not be one who reads the record (a lead acting
        # on their unit's call), so the answer names it and nothing of what it says.
        return web.json_response({"id": str(row.id), "call_id": row.call_id, "flagged": True})

    @table.get("/api/v1/threats")
    async def listing(request: web.Request) -> web.Response:
        limit = query_int(request, "limit", default=100, low=1, high=1000)
        rows = await threats.threats(principal_of(request), limit=limit)
        return web.json_response({"threats": [describe(row) for row in rows]})

    @table.get("/api/v1/threats/{threat_id}")
    async def one(request: web.Request) -> web.Response:
        threat_id = _threat_id(request)
        return await _answer(threats.threat(principal_of(request), threat_id))

    @table.put("/api/v1/threats/{threat_id}/account")
    async def account(request: web.Request) -> web.Response:
        threat_id = _threat_id(request)
        body = await parse_body(request, AccountRequest)
        return await _answer(threats.write_account(principal_of(request), threat_id, body.account))

    @table.put("/api/v1/threats/{threat_id}/decision")
    async def decision(request: web.Request) -> web.Response:
        threat_id = _threat_id(request)
        body = await parse_body(request, DecisionRequest)
        return await _answer(
            threats.decide(
                principal_of(request),
                threat_id,
                reported=body.reported_to_law_enforcement,
                notes=body.notes,
            )
        )

    return table


async def _answer(work: Awaitable[ThreatRow]) -> web.Response:
    try:
        row = await work
    except UnknownThreat:
        raise _not_found() from None
    except NotYours as exc:
        raise forbidden(str(exc)) from None
    except UnsafeText as exc:
        raise bad_request(str(exc)) from None
    except AlreadyDecided as exc:
        raise web.HTTPConflict(
            text=json.dumps({"error": "decided", "detail": str(exc)}),
            content_type="application/json",
        ) from None
    return web.json_response(describe(row))


def _threat_id(request: web.Request) -> UUID:
    try:
        return UUID(request.match_info["threat_id"])
    except ValueError:
        raise _not_found() from None


def _not_found() -> web.HTTPNotFound:
    return web.HTTPNotFound(
        text=json.dumps({"error": "no such threat"}), content_type="application/json"
    )
