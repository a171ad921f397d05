"""The threats feature put together: the service, its routes, and how it finds the call an
agent is on and the caller's case number. The composition root creates one."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import structlog
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.agents.calls import AgentCall
from ccc_telephony.asterisk.in_call_codes import KeyedCode
from ccc_telephony.calltools.tools import CallTools
from ccc_telephony.config.agents import RosterAgent
from ccc_telephony.config.policy import Policy
from ccc_telephony.live.feed import LiveFeed
from ccc_telephony.mail import Mailer
from ccc_telephony.store import calls as calls_store
from ccc_telephony.threats import http
from ccc_telephony.threats.service import ThreatService

# The code an agent keys on their phone to flag the call (config.codes.TOOL_CODES).
CODE = "ccc_threat"

log = structlog.get_logger(__name__)

EmitCall = Callable[[str, str, Mapping[str, Any]], None]
Roster = Callable[[], Mapping[str, RosterAgent]]


class ThreatsFeature:
    def __init__(
        self,
        *,
        policy: Policy,
        engine: AsyncEngine,
        clock: Callable[[], datetime],
        emit: EmitCall,
        live: LiveFeed,
        mailer: Mailer,
        roster: Roster,
        calltools: CallTools,
    ) -> None:
        self._engine = engine
        self._calltools = calltools
        self.service = ThreatService(
            engine=engine,
            clock=clock,
            zone=policy.zone,
            emit=emit,
            publish=live.publish,
            mailer=mailer,
            roster=roster,
            case_number=self.case_number,
        )

        calltools.code(CODE, self._keyed)

    def routes(self) -> web.RouteTableDef:
        return http.routes(self.service, self._calltools.call_of)

    async def _keyed(self, call: AgentCall, _: KeyedCode) -> None:
        """*91 on the agent's phone: the call is flagged at once, and goes on."""
        who = f"{call.agent.id} (phone)"
        await self.service.flag(call.agent, call.caller, by=who, source="code")

    async def case_number(self, call_id: str) -> str | None:
        """From the call's record (the caller keyed it in the IVR), else the caller's channel
        (CCC_CASE, which the IVR sets before the queue: also when the database is down)."""
        try:
            row = await calls_store.get_call(self._engine, call_id)
        except Exception as exc:  # the database is down: the flag must still go out
            log.warning("cannot read the call's record", call_id=call_id, error=type(exc).__name__)
            row = None
        if row is not None and row.case_number:
            return row.case_number
        return (await self._calltools.caller_facts(call_id)).case_number
