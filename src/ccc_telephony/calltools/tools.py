"""One mechanism for every mid-call tool. An agent asks from their phone (a code keyed during
the bridged call: config.codes.TOOL_CODES) or from their screen (a route under
`/api/v1/agents/{agent_id}/call/...`); either way the tool is handed the agent's current call
(agents.calls.AgentCall), already authorised: a code by the phone that keyed it, a request by
its token. Callers reach agents through app_queue, so no tool may assume the caller is in the
service's Stasis app: tools work on the bridged channels from outside (snoops, AMI)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

import structlog
from aiohttp import web

from ccc_telephony.agents.calls import AgentCall, AgentCalls, CallerFacts
from ccc_telephony.asterisk.in_call_codes import InCallCodes, KeyedCode
from ccc_telephony.calltools.notice import AgentNotice
from ccc_telephony.config.agents import RosterAgent
from ccc_telephony.config.codes import TOOL_CODES
from ccc_telephony.web.auth import forbidden, may_act_on, principal_of
from ccc_telephony.web.validation import json_error

log = structlog.get_logger(__name__)

ToolHandler = Callable[[AgentCall, KeyedCode], Awaitable[None]]
_TOOL_NAMES = frozenset(code.name for code in TOOL_CODES)


class CallTools:
    def __init__(
        self,
        codes: InCallCodes,
        calls: AgentCalls,
        roster: Callable[[], Mapping[str, RosterAgent]],
        notice: AgentNotice,
    ) -> None:
        self._codes = codes
        self._calls = calls
        self._roster = roster
        self.notice = notice

    async def caller_facts(self, caller: str) -> CallerFacts:
        """The caller's language and case, as the IVR left them on their channel."""
        return await self._calls.caller_facts(caller)

    async def tell(self, call: AgentCall, prompt: str) -> None:
        """Say a staff prompt (`agent_*`) to the agent alone: a code keyed in vain."""
        await self.notice.tell(call.agent_leg, prompt)

    def code(self, feature: str, handler: ToolHandler) -> None:
        """`handler` runs when `feature` (a TOOL_CODES name) is keyed on an agent's call."""
        if feature not in _TOOL_NAMES:  # a typo would otherwise only show when keyed
            raise ValueError(f"{feature}: not a mid-call tool's code (config.codes)")

        async def keyed(code: KeyedCode) -> None:
            call = self._calls.keyed(code)
            if call is None:
                log.warning("a tool code keyed with no caller", feature=code.feature)
                await self.notice.tell(code.channel, "agent_not_possible")
                return
            await handler(call, code)

        self._codes.on(feature, keyed)

    async def call_of(self, request: web.Request) -> AgentCall:
        """The current call of the route's `{agent_id}`: 404 for no such agent, 403 when the
        requester may not act on them (the agent themself, their lead or supervisor, the
        admin may), 409 when they have no caller now."""
        agents = self._roster()
        agent = agents.get(request.match_info["agent_id"])
        if agent is None:
            raise json_error(web.HTTPNotFound, "no such agent")
        if not may_act_on(principal_of(request), agent, agents):
            raise forbidden("you may act only on your own call or your unit's")
        call = await self._calls.current(agent.id)
        if call is None:
            raise json_error(web.HTTPConflict, f"{agent.id} has no caller now")
        return call
