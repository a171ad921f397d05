"""HTTP routes that act on an agent's current call, for a screen button: transfer the caller
(the same desk as the phone's transfer key, kind `api`) or escalate them (the Help lead at
the caller's insistence; a supervisor: the escalating worker's, the lead's own, or a named case
worker's). An agent acts on their own call, a lead or supervisor on their unit's."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Annotated, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ccc_telephony.config.agents import AgentId, RosterAgent
from ccc_telephony.web.auth import forbidden, may_act_on, principal_of
from ccc_telephony.web.validation import json_error, parse_body

API_CONTEXT = "ccc-transfer-api"

Target = Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z+(][0-9A-Za-z+()._-]{0,39}$")]


class TransferRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: Target  # a queue's extension or name, a colleague's extension, an outside number


class EscalateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: Literal["help_lead", "agents_supervisor", "leads_supervisor", "case_worker_supervisor"]
    case_worker: AgentId | None = Field(default=None, description="for case_worker_supervisor")


# (agent id, dialplan extension) -> whether Asterisk took the request (False: no call now)
MoveCall = Callable[[str, str], Awaitable[bool]]
Resolve = Callable[[str, str], str | None]  # (rule, agent id) -> extension in the API context


def routes(
    *,
    roster: Callable[[], Mapping[str, RosterAgent]],
    move_call: MoveCall,
    resolve: Resolve,
    supervisor_of: Callable[[str], str | None],
) -> web.RouteTableDef:
    table = web.RouteTableDef()

    def agent_of(request: web.Request) -> RosterAgent:
        agents = roster()
        agent = agents.get(request.match_info["agent_id"])
        if agent is None:
            raise json_error(web.HTTPNotFound, "no such agent")
        if not may_act_on(principal_of(request), agent, agents):
            raise forbidden("you may act only on your own call or your unit's")
        return agent

    async def moved(agent: RosterAgent, exten: str | None, what: str) -> web.Response:
        if exten is None:
            raise json_error(web.HTTPConflict, f"{what}: nobody to send the caller to")
        if not await move_call(agent.id, exten):
            raise json_error(web.HTTPConflict, f"{agent.id} has no caller now")
        return web.json_response({"agent": agent.id, "requested": what}, status=202)

    @table.post("/api/v1/agents/{agent_id}/call/transfer")
    async def transfer(request: web.Request) -> web.Response:
        agent = agent_of(request)
        body = await parse_body(request, TransferRequest)
        return await moved(agent, body.to, f"transfer to {body.to}")

    @table.post("/api/v1/agents/{agent_id}/call/escalate")
    async def escalate(request: web.Request) -> web.Response:
        agent = agent_of(request)
        body = await parse_body(request, EscalateRequest)
        if body.to == "case_worker_supervisor":
            if body.case_worker is None or body.case_worker not in roster():
                raise json_error(web.HTTPUnprocessableEntity, "case_worker: not on the roster")
            boss = supervisor_of(body.case_worker)
            exten = None if boss is None else f"supervisor-{boss}"
        else:
            rule = "worker_requested" if body.to == "help_lead" else body.to
            exten = resolve(rule, agent.id)
        return await moved(agent, exten, body.to)

    return table
