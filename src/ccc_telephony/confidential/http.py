"""HTTP routes for confidential cases: mark the agent's current call, fill in the rest, list,
show, record an attempt, call back, give to another worker, mark done.

A task someone may not see is a 403, audited like every look; in a listing it is simply
absent. The agent who marked a call gets the whole task back only while it is being filled in:
once the worker is told it is theirs and their unit's, and the agent's answer names only its
id and due time.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar, cast, get_args

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ccc_telephony.agents.calls import AgentCall
from ccc_telephony.confidential.rules import (
    BadField,
    Closed,
    NotYours,
    Outcome,
    Scope,
    missing,
)
from ccc_telephony.confidential.service import ConfidentialService, Given, UnknownTask
from ccc_telephony.config.agents import AgentId
from ccc_telephony.returns.dialer import DialerError
from ccc_telephony.store.confidential import ActionRow, CallbackRow
from ccc_telephony.web.auth import Principal, forbidden, principal_of
from ccc_telephony.web.validation import (
    UnsafeText,
    bad_request,
    json_error,
    parse_body,
    query_int,
)

CallOf = Callable[[web.Request], Awaitable[AgentCall]]
# A person's name as staff write it: letters (any script), spaces, . ' - and no digits.
CallerName = Annotated[str, StringConstraints(pattern=r"^\p{L}[\p{L} .'-]{0,79}$")]
T = TypeVar("T")
# The dialer's refusals (DialerError.status) as HTTP errors.
_STATUS: dict[int, type[web.HTTPException]] = {
    409: web.HTTPConflict,
    422: web.HTTPUnprocessableEntity,
    502: web.HTTPBadGateway,
}
_STATES = ("owed", "returning", "done", "unreachable")


class CaseDetails(BaseModel):
    """What the agent gives of the case; each field may follow later (PATCH)."""

    model_config = ConfigDict(extra="forbid")

    worker_id: AgentId | None = None
    caller_name: CallerName | None = None
    case_number: str | None = Field(default=None, max_length=40)
    phone: str | None = Field(default=None, max_length=40)
    best_time: str | None = Field(default=None, max_length=200)

    def given(self) -> Given:
        return Given(**self.model_dump())


class AttemptRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Outcome
    note: str | None = Field(default=None, max_length=2_000)


class ReassignRequest(BaseModel):
    """Another worker for a told task (a lead's or supervisor's decision, with why)."""

    model_config = ConfigDict(extra="forbid")

    worker_id: AgentId
    note: str | None = Field(default=None, max_length=2_000)


class DoneRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, max_length=2_000)


def describe(row: CallbackRow, now: datetime) -> dict[str, Any]:
    def moment(value: datetime | None) -> str | None:
        return None if value is None else value.isoformat()

    return {
        "id": row.id,
        "call_id": row.call_id,
        "marked_by": row.agent_id,
        "source": row.source,
        "created_at": row.created_at.isoformat(),
        "worker": row.worker_id,
        "caller_name": row.caller_name,
        "case_number": row.case_number,
        "phone": row.phone,
        "best_time": row.best_time,
        "missing": missing(row),
        "due_at": moment(row.due_at),
        "due_within": row.due_within,
        "overdue": row.overdue(now),
        "state": row.state,
        "attempts": row.attempts,
        "state_at": row.state_at.isoformat(),
        "state_by": row.state_by,
        "notified_at": moment(row.notified_at),
        "notified": row.notified_to,
        "emailed_to": row.emailed_to,
        "email_error": row.email_error,
        "warned_at": moment(row.warned_at),
        "warned_to": row.warned_to,
        "escalated_at": moment(row.escalated_at),
        "escalated_to": row.escalated_to,
    }


def _history(actions: list[ActionRow]) -> list[dict[str, Any]]:
    return [
        {"at": a.at.isoformat(), "who": a.who, "action": a.action, **a.details} for a in actions
    ]


def routes(
    service: ConfidentialService, call_of: CallOf, clock: Callable[[], datetime]
) -> web.RouteTableDef:
    table = web.RouteTableDef()

    @table.post("/api/v1/agents/{agent_id}/call/confidential")
    async def mark(request: web.Request) -> web.Response:
        call = await call_of(request)
        body = await parse_body(request, CaseDetails)
        principal = principal_of(request)
        row, made = await _answer(
            service.mark(call.agent, call.caller, body.given(), by=principal.who, source="api")
        )
        return _as_seen(service, principal, row, clock(), status=201 if made else 200)

    @table.get("/api/v1/confidential")
    async def listing(request: web.Request) -> web.Response:
        scope = cast(Scope | None, _choice(request, "scope", get_args(Scope)))
        state = _choice(request, "state", _STATES)
        overdue = _choice(request, "overdue", ("true", "false")) == "true"
        limit = query_int(request, "limit", default=100, low=1, high=1000)
        rows = await _answer(
            service.tasks(
                principal_of(request),
                scope=scope,
                state=state,
                overdue=overdue,
                limit=limit,
            )
        )
        now = clock()
        return web.json_response({"tasks": [describe(row, now) for row in rows]})

    @table.get("/api/v1/confidential/{task_id}")
    async def one(request: web.Request) -> web.Response:
        row, actions = await _answer(service.task(principal_of(request), _task_id(request)))
        return web.json_response({**describe(row, clock()), "history": _history(actions)})

    @table.patch("/api/v1/confidential/{task_id}")
    async def complete(request: web.Request) -> web.Response:
        task_id = _task_id(request)
        body = await parse_body(request, CaseDetails)
        principal = principal_of(request)
        row = await _answer(service.complete(principal, task_id, body.given()))
        return _as_seen(service, principal, row, clock())

    @table.post("/api/v1/confidential/{task_id}/attempts")
    async def attempt(request: web.Request) -> web.Response:
        task_id = _task_id(request)
        body = await parse_body(request, AttemptRequest)
        row = await _answer(
            service.attempt(principal_of(request), task_id, body.outcome, body.note)
        )
        return web.json_response(describe(row, clock()))

    @table.post("/api/v1/confidential/{task_id}/call-back")
    async def call_back(request: web.Request) -> web.Response:
        task_id = _task_id(request)
        try:
            attempt = await _answer(service.call_back(principal_of(request), task_id))
        except DialerError as exc:
            raise json_error(_STATUS.get(exc.status, web.HTTPConflict), str(exc)) from None
        body = {"task_id": task_id, "attempt": attempt.tag, "worker": attempt.agent_id}
        return web.json_response({**body, "ringing": True}, status=202)

    @table.post("/api/v1/confidential/{task_id}/reassign")
    async def reassign(request: web.Request) -> web.Response:
        task_id = _task_id(request)
        body = await parse_body(request, ReassignRequest)
        principal = principal_of(request)
        row = await _answer(service.reassign(principal, task_id, body.worker_id, body.note))
        return _as_seen(service, principal, row, clock())

    @table.post("/api/v1/confidential/{task_id}/done")
    async def done(request: web.Request) -> web.Response:
        task_id = _task_id(request)
        body = await parse_body(request, DoneRequest)
        row = await _answer(service.done(principal_of(request), task_id, body.note))
        return web.json_response(describe(row, clock()))

    return table


def _as_seen(
    service: ConfidentialService,
    principal: Principal,
    row: CallbackRow,
    now: datetime,
    *,
    status: int = 200,
) -> web.Response:
    """The task for whoever may see it; the agent who has just filled in the last field gets
    its id and due time only: told now, it is the worker's and their unit's."""
    if service.reader(principal).sees(row):
        return web.json_response(describe(row, now), status=status)
    due = None if row.due_at is None else row.due_at.isoformat()
    body = {"id": row.id, "call_id": row.call_id, "due_at": due, "notified": True}
    return web.json_response(body, status=status)


async def _answer(work: Awaitable[T]) -> T:
    """The service's refusals as the API's answers."""
    try:
        return await work
    except UnknownTask:
        raise json_error(web.HTTPNotFound, "no such confidential task") from None
    except NotYours as exc:
        raise forbidden(str(exc)) from None
    except BadField as exc:
        raise json_error(web.HTTPUnprocessableEntity, str(exc)) from None
    except UnsafeText as exc:
        raise bad_request(str(exc)) from None
    except Closed as exc:
        raise json_error(web.HTTPConflict, str(exc)) from None


def _choice(request: web.Request, name: str, choices: tuple[str, ...]) -> str | None:
    value = request.query.get(name)
    if value is None or value in choices:
        return value
    raise bad_request(f"{name}: one of {', '.join(choices)}")


def _task_id(request: web.Request) -> int:
    text = request.match_info["task_id"]
    if not (text.isascii() and text.isdigit() and len(text) <= 18):
        raise json_error(web.HTTPNotFound, "no such confidential task")
    return int(text)
