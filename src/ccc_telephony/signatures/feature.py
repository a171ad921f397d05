"""Telephonic signatures in the running service: the ledger's service and its HTTP routes, the
captures taken on agents' calls (by the codes *86 start, *87 end, *88 cancel, or the API, both
through calltools; their snoop channels' Stasis handler), and a background job that seals the
captures a previous run left open and ends those in progress when the service stops
(incomplete, never lost)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import structlog
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.agents.calls import AgentCall
from ccc_telephony.asterisk.ari.client import AriClient
from ccc_telephony.asterisk.ari.dispatcher import CallHandler
from ccc_telephony.asterisk.in_call_codes import KeyedCode
from ccc_telephony.calltools.tools import CallTools
from ccc_telephony.config.policy import Policy
from ccc_telephony.prompts.library import PromptLibrary
from ccc_telephony.signatures import http
from ccc_telephony.signatures.capture import CaptureRefused, Captures, Ending
from ccc_telephony.signatures.scripts import ScriptUnavailable
from ccc_telephony.signatures.service import BadCapture, EmitCall, EndedBy, SignatureService
from ccc_telephony.signatures.vault import Vault
from ccc_telephony.store.events import CallEvent

log = structlog.get_logger(__name__)

# app_queue's AgentComplete Reason: how the agent's part of the call ended.
_ENDED_BY: dict[str, EndedBy] = {
    "caller": "caller_hangup",
    "agent": "agent_hangup",
    "transfer": "transferred",
}


class SignaturesFeature:
    def __init__(
        self,
        *,
        engine: AsyncEngine,
        policy: Policy,
        library: PromptLibrary,
        clock: Callable[[], datetime],
        emit: EmitCall,
        ari: AriClient,
        tools: CallTools,
        signatures_dir: Path,
        recordings_dir: Path,
    ) -> None:
        self.service = SignatureService(
            engine=engine,
            vault=Vault(signatures_dir),
            policy=policy,
            library=library,
            clock=clock,
            emit=emit,
            recordings_dir=recordings_dir,
        )
        self.captures = Captures(service=self.service, ari=ari, facts=tools.caller_facts)
        self._tools = tools
        tools.code("ccc_signature_start", self._start_keyed)
        tools.code("ccc_signature_end", self._end_keyed)
        tools.code("ccc_signature_cancel", self._end_keyed)

    def stasis_handlers(self) -> dict[str, CallHandler]:
        return self.captures.handlers()

    async def run(self) -> None:
        """The feature's background job (see Captures.run)."""
        await self.captures.run()

    def on_call_event(self, event: CallEvent) -> None:
        """The agent's part of a call ended (hang-up, transfer) with a capture going: it ends,
        incomplete (the snoops would otherwise follow the caller wherever they went)."""
        if event.name != "agent_call_completed":
            return
        capture = self.captures.current(event.call_id)
        if capture is not None:
            why = _ENDED_BY.get(str(event.details.get("ended_by")), "call_ended")
            capture.end(Ending(complete=False, ended_by=why))

    def routes(self) -> list[web.RouteTableDef]:
        return [http.routes(self.service), http.capture_routes(self.captures, self._tools)]

    async def _start_keyed(self, call: AgentCall, _: KeyedCode) -> None:
        try:
            await self.captures.start(
                call_id=call.caller, agent_id=call.agent.id, how="code", by=call.agent.id
            )
        except (CaptureRefused, BadCapture, ScriptUnavailable) as exc:
            log.warning("signature not started", call_id=call.caller, why=str(exc))
            prompt = {
                CaptureRefused: "agent_signature_busy",
                ScriptUnavailable: "agent_signature_no_script",
            }.get(type(exc), "agent_not_possible")
            await self._tools.tell(call, prompt)

    async def _end_keyed(self, call: AgentCall, code: KeyedCode) -> None:
        cancel = code.feature == "ccc_signature_cancel"
        try:
            await self.captures.end(
                call.caller, complete=not cancel, ended_by="cancelled" if cancel else "end_code"
            )
        except CaptureRefused as exc:
            log.warning("signature not ended", call_id=call.caller, why=str(exc))
            await self._tools.tell(call, "agent_signature_none")
