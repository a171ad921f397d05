"""HTTP routes for agents and queues.

Who may do what: an agent changes only their own state; a lead or supervisor anyone's in their
unit (their team, or the people they supervise); the admin everything, including the roster.
Overriding the coverage guard takes a supervisor (or the admin).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from typing import Any, Literal, TypeVar

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.agents.access import StaffTokens
from ccc_telephony.agents.service import (
    AgentService,
    CoverageRefused,
    InvalidAgent,
    RosterConflict,
    UnknownAgent,
)
from ccc_telephony.agents.states import StateError, Status
from ccc_telephony.config.agents import RosterAgent
from ccc_telephony.store import calls as calls_store
from ccc_telephony.web.auth import forbidden, may_act_on, principal_of
from ccc_telephony.web.reads import read_of_call_data
from ccc_telephony.web.validation import bad_request, parse_body, parse_day

T = TypeVar("T")
RosterChanged = Callable[[], Awaitable[None]]
QueueSnapshot = Callable[[], Awaitable[list[dict[str, Any]]]]


class StateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state: Literal["ready", "not_ready"]
    reason: str | None = Field(default=None, max_length=40)
    override: bool = False


def describe(agent: RosterAgent, status: Status, queues: set[str], now: datetime) -> dict[str, Any]:
    return {
        "id": agent.id,
        "name": agent.name,
        "extension": agent.extension,
        "team": agent.team,
        "role": agent.role,
        "languages": agent.languages,
        "supervisor": agent.supervisor,
        "email": agent.email,
        "shift": None
        if agent.shift is None
        else {
            "start": agent.shift.start.isoformat("minutes"),
            "end": agent.shift.end.isoformat("minutes"),
        },
        "state": status.state.value,
        "reason": status.reason,
        # Both null for an agent who never logged in: there is no interval to measure.
        "since": None if status.since is None else status.since.isoformat(),
        "seconds_in_state": None
        if status.since is None
        else max(0, int((now - status.since).total_seconds())),
        "after_call": None
        if status.after_call is None
        else {"state": status.after_call[0].value, "reason": status.after_call[1]},
        "queues": sorted(queues),
    }


def routes(
    agents: AgentService,
    engine: AsyncEngine,
    *,
    tokens: StaffTokens,
    queue_snapshot: QueueSnapshot,
    roster_changed: RosterChanged,
) -> web.RouteTableDef:
    table = web.RouteTableDef()

    def target(request: web.Request) -> RosterAgent:
        try:
            agent = agents.agent(request.match_info["agent_id"])
        except UnknownAgent:
            raise _not_found() from None
        if not may_act_on(principal_of(request), agent, agents.roster):
            raise forbidden("you may act only on yourself or your unit")
        return agent

    def view(agent: RosterAgent) -> dict[str, Any]:
        return describe(
            agent,
            agents.status[agent.id],
            agents.members.get(agent.id, set()),
            agents.now(),
        )

    @table.get("/api/v1/agents")
    async def list_agents(_: web.Request) -> web.Response:
        return web.json_response({"agents": [view(a) for a in agents.roster.values()]})

    @table.get("/api/v1/agents/{agent_id}")
    async def one(request: web.Request) -> web.Response:
        return web.json_response(view(target(request)))

    @table.post("/api/v1/agents/{agent_id}/login")
    async def log_in(request: web.Request) -> web.Response:
        agent = target(request)
        await _as_conflict(agents.log_in(agent.id, source="api", by=principal_of(request).who))
        return web.json_response(view(agent))

    @table.post("/api/v1/agents/{agent_id}/logout")
    async def log_out(request: web.Request) -> web.Response:
        agent = target(request)
        await _as_conflict(agents.log_out(agent.id, source="api", by=principal_of(request).who))
        return web.json_response(view(agent))

    @table.put("/api/v1/agents/{agent_id}/state")
    async def set_state(request: web.Request) -> web.Response:
        agent = target(request)
        body = await parse_body(request, StateRequest)
        principal = principal_of(request)
        if body.override and principal.role not in ("supervisor", "admin"):
            raise forbidden("only a supervisor may override the coverage guard")
        warnings: list[str] = []
        if body.state == "ready":
            await _as_conflict(agents.ready(agent.id, source="api", by=principal.who))
        else:
            if not body.reason:
                raise bad_request("reason: required for not_ready")
            outcome = await _as_conflict(
                agents.not_ready(
                    agent.id, body.reason, source="api", by=principal.who, override=body.override
                )
            )
            warnings = outcome.warnings
        return web.json_response({**view(agent), "warnings": warnings})

    @table.get("/api/v1/agents/{agent_id}/history")
    async def history(request: web.Request) -> web.Response:
        agent = target(request)
        day = _day(request.query.get("date"), agents.now().astimezone(agents.policy.zone).date())
        start = datetime.combine(day, datetime.min.time(), agents.policy.zone)
        end = start + timedelta(days=1)
        rows = await agents.history(agent.id, since=start, until=end)
        now = agents.now()
        totals: dict[str, float] = {}
        intervals = []
        for row in rows:
            begin, finish = max(row.started_at, start), min(row.ended_at or now, end)
            seconds = max(0.0, (finish - begin).total_seconds())
            key = row.state if row.reason is None else f"{row.state}:{row.reason}"
            totals[key] = totals.get(key, 0.0) + seconds
            intervals.append(
                {
                    "state": row.state,
                    "reason": row.reason,
                    "started_at": row.started_at.isoformat(),
                    "ended_at": None if row.ended_at is None else row.ended_at.isoformat(),
                    "source": row.source,
                    "set_by": row.set_by,
                }
            )
        return web.json_response(
            {"agent": agent.id, "date": day.isoformat(), "intervals": intervals, "seconds": totals}
        )

    @table.get("/api/v1/agents/{agent_id}/call")
    async def screen_pop(request: web.Request) -> web.Response:
        """The call the agent is on, with what the caller keyed in the IVR (never the full
        SSN: its last four digits)."""
        agent = target(request)
        call_id = agents.calls.get(agent.id)
        row = await calls_store.get_call(engine, call_id) if call_id else None
        if call_id is None or row is None:
            raise web.HTTPNotFound(
                text=_json({"error": "not on a call"}), content_type="application/json"
            )
        await read_of_call_data(request, "screen_pop", agent=agent.id, call_id=call_id)
        return web.json_response(
            {
                "agent": agent.id,
                "call_id": call_id,
                "language": row.language,
                "program": row.program,
                "queue": row.queue,
                "case_number": row.case_number,
                "ssn_last4": row.ssn_last4,
                "caller_number": row.caller_number,
                "started_at": None if row.started_at is None else row.started_at.isoformat(),
            }
        )

    @table.get("/api/v1/queues")
    async def queues(_: web.Request) -> web.Response:
        return web.json_response({"queues": await queue_snapshot()})

    @table.post("/api/v1/agents")
    async def add(request: web.Request) -> web.Response:
        _admin_only(request)
        agent = await parse_body(request, RosterAgent)
        await _as_conflict(_as_invalid(agents.add_agent(agent)))
        await roster_changed()
        return web.json_response(view(agents.agent(agent.id)), status=201)

    @table.put("/api/v1/agents/{agent_id}")
    async def replace(request: web.Request) -> web.Response:
        _admin_only(request)
        agent = await parse_body(request, RosterAgent)
        if agent.id != request.match_info["agent_id"]:
            raise bad_request("id: must match the URL")
        if not await _as_conflict(_as_invalid(agents.replace_agent(agent))):
            raise _not_found()
        await roster_changed()
        return web.json_response(view(agents.agent(agent.id)))

    @table.delete("/api/v1/agents/{agent_id}")
    async def remove(request: web.Request) -> web.Response:
        _admin_only(request)
        agent = target(request)
        await _as_conflict(agents.remove_agent(agent.id, by=principal_of(request).who))
        await roster_changed()
        return web.json_response({"removed": agent.id})

    @table.get("/api/v1/agents/{agent_id}/tokens")
    async def tokens_issued(request: web.Request) -> web.Response:
        _admin_only(request, "only the admin manages API tokens")
        agent_id = request.match_info["agent_id"]
        issued = [
            {
                "id": record.id,
                "created_at": record.created_at.isoformat(),
                "last_used_at": _iso(record.last_used_at),
                "revoked_at": _iso(record.revoked_at),
                "revoked_by": record.revoked_by,
            }
            for record in await tokens.issued(agent_id)
        ]
        return web.json_response({"agent": agent_id, "tokens": issued})

    @table.delete("/api/v1/agents/{agent_id}/tokens")
    async def revoke_all(request: web.Request) -> web.Response:
        _admin_only(request, "only the admin manages API tokens")
        agent_id = request.match_info["agent_id"]
        revoked = await tokens.revoke(agent_id, by=principal_of(request).who)
        return web.json_response({"agent": agent_id, "revoked": revoked})

    @table.delete(r"/api/v1/agents/{agent_id}/tokens/{token_id:\d{1,18}}")
    async def revoke_one(request: web.Request) -> web.Response:
        _admin_only(request, "only the admin manages API tokens")
        agent_id = request.match_info["agent_id"]
        token_id = int(request.match_info["token_id"])
        revoked = await tokens.revoke(agent_id, by=principal_of(request).who, token_id=token_id)
        if not revoked:
            raise web.HTTPNotFound(
                text=_json({"error": "no such live token", "detail": f"{agent_id} {token_id}"}),
                content_type="application/json",
            )
        return web.json_response({"agent": agent_id, "revoked": revoked})

    return table


def _admin_only(request: web.Request, detail: str = "only the admin manages the roster") -> None:
    if not principal_of(request).is_admin:
        raise forbidden(detail)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


# Refusals the rules make, answered 409 with what kind of rule said no.
_CONFLICTS: tuple[tuple[type[Exception], str], ...] = (
    (CoverageRefused, "coverage"),  # before StateError, its base
    (StateError, "state"),
    (RosterConflict, "roster"),
)


async def _as_conflict(call: Awaitable[T]) -> T:
    try:
        return await call
    except (StateError, RosterConflict) as exc:
        kind = next(name for error, name in _CONFLICTS if isinstance(exc, error))
        raise web.HTTPConflict(
            text=_json({"error": kind, "detail": str(exc)}), content_type="application/json"
        ) from None


async def _as_invalid(call: Awaitable[T]) -> T:
    """A record the policy refuses: 422, naming each field at fault."""
    try:
        return await call
    except InvalidAgent as exc:
        raise web.HTTPUnprocessableEntity(
            text=_json(
                {
                    "error": "invalid agent",
                    "detail": str(exc),
                    "fields": sorted({p.field for p in exc.problems}),
                }
            ),
            content_type="application/json",
        ) from None


def _day(text: str | None, default: date) -> date:
    return default if text is None else parse_day(text, "date")


def _json(data: dict[str, Any]) -> str:
    return json.dumps(data)


def _not_found() -> web.HTTPNotFound:
    return web.HTTPNotFound(text=_json({"error": "no such agent"}), content_type="application/json")
