"""The confidential-cases feature put together: the service, its routes, the phone code and the
overdue check. The composition root creates one."""

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
from ccc_telephony.confidential import http
from ccc_telephony.confidential.rules import BadField, Closed
from ccc_telephony.confidential.service import ConfidentialService, FailedAttempt, Given
from ccc_telephony.config.agents import RosterAgent
from ccc_telephony.config.policy import Policy
from ccc_telephony.jobs import BackgroundJobs
from ccc_telephony.live.feed import LiveFeed
from ccc_telephony.outbox import Outbox
from ccc_telephony.returns.contacts import ReturnContacts
from ccc_telephony.returns.dialer import ReturnDialer
from ccc_telephony.store import calls as calls_store

# The code an agent keys on their phone to mark the call's case (config.codes.TOOL_CODES).
CODE = "ccc_confidential"

log = structlog.get_logger(__name__)

EmitCall = Callable[[str, str, Mapping[str, Any]], None]
Roster = Callable[[], Mapping[str, RosterAgent]]


class ConfidentialFeature:
    def __init__(
        self,
        *,
        policy: Policy,
        engine: AsyncEngine,
        clock: Callable[[], datetime],
        emit: EmitCall,
        live: LiveFeed,
        roster: Roster,
        calltools: CallTools,
        failed_attempt: FailedAttempt,
        dialer: ReturnDialer,
        contacts: ReturnContacts,
        outbox: Outbox,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._calltools = calltools
        self._check_seconds = policy.confidential.check_seconds
        self.service = ConfidentialService(
            engine=engine,
            clock=clock,
            policy=policy,
            emit=emit,
            publish=live.publish,
            roster=roster,
            failed_attempt=failed_attempt,
            dialer=dialer,
            contacts=contacts,
            outbox=outbox,
        )
        calltools.code(CODE, self._keyed)

    def routes(self) -> web.RouteTableDef:
        return http.routes(self.service, self._calltools.call_of, self._clock)

    def start(self, jobs: BackgroundJobs) -> None:
        """The check (due soon, overdue, incomplete, e-mails to retry), on the service's clock
        (`service.check` is one run)."""
        jobs.every("confidential-overdue", self._check_seconds, self.service.check)

    async def _keyed(self, call: AgentCall, _: KeyedCode) -> None:
        """*92 on the agent's phone: the task is made from what the call knows (the case
        number the caller keyed in the IVR, the number they call from); the agent's screen
        hears what is missing (`confidential_callback_incomplete`) and fills it in."""
        try:
            await self.service.mark(
                call.agent,
                call.caller,
                await self.known(call.caller),
                by=f"{call.agent.id} (phone)",
                source="code",
            )
        except (BadField, Closed) as exc:
            log.warning("confidential code refused", call_id=call.caller, why=str(exc))
            await self._calltools.tell(call, "agent_not_possible")

    async def known(self, call_id: str) -> Given:
        """The caller's case number (the IVR's, on their channel) and the number they called
        from (the call's record), where each is one the task can hold."""
        facts = await self._calltools.caller_facts(call_id)
        try:
            row = await calls_store.get_call(self._engine, call_id)
        except Exception as exc:  # the database is down: the case number still counts
            log.warning("cannot read the call's record", call_id=call_id, error=type(exc).__name__)
            row = None
        number = row.caller_number if row is not None else None
        return self.service.usable(Given(case_number=facts.case_number, phone=number))
