"""HTTP routes for escalation follow-ups.

Who may do what: the worker who escalated sees their own follow-ups; the lead who answered, the
worker's leads and supervisors (their team, the people they supervise) and the admin see them
and answer them. A follow-up someone may not see is a 403 (ids are random: nothing to probe);
in lists it is simply absent.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from aiohttp import web
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from ccc_telephony.config.agents import AgentId
from ccc_telephony.escalations.rules import (
    LISTINGS,
    BadNote,
    Listing,
    MarkRefused,
    is_overdue,
)
from ccc_telephony.escalations.service import EscalationService, NotYours, UnknownFollowup
from ccc_telephony.store.escalations import FollowupRow
from ccc_telephony.web.auth import forbidden, principal_of
from ccc_telephony.web.reads import read_of_call_data
from ccc_telephony.web.validation import bad_request, parse_body, query_int

_AGENT_ID: TypeAdapter[str] = TypeAdapter(AgentId)


class MarkRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["researching", "resolved"]
    note: str | None = None


def describe(row: FollowupRow, now: datetime) -> dict[str, Any]:
    def moment(value: datetime | None) -> str | None:
        return None if value is None else value.isoformat()

    return {
        "id": str(row.id),
        "call_id": row.call_id,
        "agent": row.agent_id,
        "target": row.target,
        "reason": row.reason,
        "from_lead": row.from_lead_id,
        "created_at": row.created_at.isoformat(),
        "due_at": row.due_at.isoformat(),
        "overdue": is_overdue(row.status, row.due_at, now),
        "status": row.status,
        "lead": row.lead_id,
        "answered_at": moment(row.answered_at),
        "returned_at": moment(row.returned_at),
        "returned_why": row.returned_why,
        "note": row.note,
        "updated_by": row.updated_by,
        "updated_at": moment(row.updated_at),
        "resolved_at": moment(row.resolved_at),
    }


def routes(escalations: EscalationService) -> web.RouteTableDef:
    table = web.RouteTableDef()

    @table.get("/api/v1/escalations")
    async def list_followups(request: web.Request) -> web.Response:
        listing, agent, lead = (
            _listing(request.query.get("status")),
            _agent(request, "agent"),
            _agent(request, "lead"),
        )
        limit = query_int(request, "limit", default=100, low=1, high=1000)
        await read_of_call_data(request, "escalations", status=listing, agent=agent, lead=lead)
        rows = await escalations.followups(
            principal_of(request), listing=listing, agent_id=agent, lead_id=lead, limit=limit
        )
        now = escalations.now()
        return web.json_response({"escalations": [describe(row, now) for row in rows]})

    @table.get("/api/v1/escalations/{escalation_id}")
    async def one(request: web.Request) -> web.Response:
        followup_id = _followup_id(request)
        try:
            row = await escalations.followup(principal_of(request), followup_id)
        except UnknownFollowup:
            raise _not_found() from None
        except NotYours as exc:
            raise forbidden(str(exc)) from None
        await read_of_call_data(request, "escalation", id=str(followup_id))
        return web.json_response(describe(row, escalations.now()))

    @table.put("/api/v1/escalations/{escalation_id}")
    async def answer(request: web.Request) -> web.Response:
        followup_id = _followup_id(request)
        body = await parse_body(request, MarkRequest)
        try:
            row = await escalations.mark(principal_of(request), followup_id, body.status, body.note)
        except UnknownFollowup:
            raise _not_found() from None
        except NotYours as exc:
            raise forbidden(str(exc)) from None
        except BadNote as exc:
            raise bad_request(str(exc)) from None
        except MarkRefused as exc:
            raise web.HTTPConflict(
                text=json.dumps({"error": "status", "detail": str(exc)}),
                content_type="application/json",
            ) from None
        return web.json_response(describe(row, escalations.now()))

    return table


def _listing(text: str | None) -> Listing | None:
    if text is None:
        return None
    for listing in LISTINGS:
        if text == listing:
            return listing
    raise bad_request(f"status: one of {', '.join(LISTINGS)}")


def _agent(request: web.Request, name: str) -> str | None:
    text = request.query.get(name)
    if text is None:
        return None
    try:
        return _AGENT_ID.validate_python(text)
    except ValidationError:
        raise bad_request(f"{name}: not an agent id") from None


def _followup_id(request: web.Request) -> UUID:
    try:
        return UUID(request.match_info["escalation_id"])
    except ValueError:
        raise _not_found() from None


def _not_found() -> web.HTTPNotFound:
    return web.HTTPNotFound(
        text=json.dumps({"error": "no such escalation"}), content_type="application/json"
    )
