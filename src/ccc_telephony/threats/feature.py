"""The threats feature put together: the service, its routes, and how it finds the call an
agent is on and the caller's case number. The composition root creates one."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.asterisk.ari import AriClient, AriError
from ccc_telephony.config.agents import RosterAgent
from ccc_telephony.config.policy import Policy
from ccc_telephony.live.feed import LiveFeed
from ccc_telephony.mail import Mailer
from ccc_telephony.store import calls as calls_store
from ccc_telephony.threats import http
from ccc_telephony.threats.service import ThreatService
from ccc_telephony.web.auth import acted_on

EmitCall = Callable[[str, str, Mapping[str, Any]], None]
Roster = Callable[[], Mapping[str, RosterAgent]]
CurrentCall = Callable[[str], str | None]


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
        current_call: CurrentCall,
        ari: AriClient,
    ) -> None:
        """`current_call(agent_id)` is the caller's channel id of the agent's call now."""
        self._engine = engine
        self._roster = roster
        self._current_call = current_call
        self._ari = ari
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

    def routes(self) -> web.RouteTableDef:
        return http.routes(self.service, self._call_of)

    async def _call_of(self, request: web.Request) -> tuple[RosterAgent, str]:
        agent = acted_on(request, self._roster())
        call_id = self._current_call(agent.id)
        if call_id is None:
            raise web.HTTPConflict(
                text=json.dumps({"error": "no call", "detail": f"{agent.id} has no caller now"}),
                content_type="application/json",
            )
        return agent, call_id

    async def case_number(self, call_id: str) -> str | None:
        """From the call's record (the caller keyed it in the IVR), else the caller's channel
        (CCC_CASE, which the IVR sets before the queue)."""
        row = await calls_store.get_call(self._engine, call_id)
        if row is not None and row.case_number:
            return row.case_number
        with contextlib.suppress(AriError):
            return await self._ari.variable(call_id, "CCC_CASE") or None
        return None
