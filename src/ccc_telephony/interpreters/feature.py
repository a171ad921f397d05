"""The interpreters feature put together: the desk, its two Stasis handlers, the agent's codes
and routes (through the mid-call tools), and what other features' call events tell it (the
agent's part of the call ended, the call ended). The caller's language is read from their
channel (as the IVR left it), so it holds across a restart."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

import structlog
from aiohttp import web

from ccc_telephony.agents.calls import AgentCall
from ccc_telephony.asterisk.ami import Ami
from ccc_telephony.asterisk.ari import AriClient
from ccc_telephony.asterisk.ari.dispatcher import CallHandler
from ccc_telephony.asterisk.in_call_codes import KeyedCode
from ccc_telephony.calltools.tools import CallTools
from ccc_telephony.config.policy import Policy
from ccc_telephony.interpreters import http
from ccc_telephony.interpreters.conference import Interpretation
from ccc_telephony.interpreters.documentation import Documentation, InvalidKeyedId, keyed_id
from ccc_telephony.interpreters.outside import QueueCallChannels
from ccc_telephony.interpreters.service import Emit, InterpreterDesk, InterpreterError, Watch
from ccc_telephony.interpreters.stasis import InterpreterChannels
from ccc_telephony.store.events import CallEvent

log = structlog.get_logger(__name__)

# app_queue's AgentComplete Reason (agent_call_completed's `ended_by`) -> why the interpreter
# left: an agent's call that ended without the caller's leaving takes the interpreter along.
_ENDED_BY = {"agent": "agent_hung_up", "caller": "caller_left", "transfer": "transferred"}


class InterpretersFeature:
    def __init__(
        self,
        *,
        policy: Policy,
        ari: AriClient,
        ami: Ami,
        tools: CallTools,
        watch: Watch,
        emit: Emit,
        clock: Callable[[], datetime],
    ) -> None:
        self._policy = policy
        self._tools = tools
        queue_call = QueueCallChannels(ami)
        self.desk = InterpreterDesk(
            policy=policy.interpreters,
            main_number=policy.main_number,
            ari=ari,
            queue_call=queue_call,
            watch=watch,
            emit=emit,
            clock=clock,
        )
        self.channels = InterpreterChannels(self.desk, ari=ari, queue_call=queue_call, emit=emit)

    def register(self) -> None:
        self._tools.code("ccc_interpreter_in", self._keyed_in)
        self._tools.code("ccc_interpreter_out", self._keyed_out)
        self._tools.code("ccc_interpreter_step", self._keyed_step)
        self._tools.code("ccc_interpreter_id", self._keyed_id)

    def stasis_handlers(self) -> dict[str, CallHandler]:
        return self.channels.handlers()

    def routes(self) -> web.RouteTableDef:
        return http.routes(call_of=self._tools.call_of, desk=self.desk, join=self.join)

    def on_call_event(self, event: CallEvent) -> None:
        if event.name == "agent_call_completed":
            ended_by = str(event.details.get("ended_by") or "")
            self.desk.call_over(event.call_id, _ENDED_BY.get(ended_by, "agent_call_ended"))
        elif event.name == "call_ended":
            self.desk.call_over(event.call_id, "call_ended")

    async def join(
        self, call: AgentCall, language: str | None, documentation: Documentation
    ) -> Interpretation:
        """The line for `language`, by default the one the caller chose in the IVR (any
        other language, Somali say, has the policy's line for all)."""
        chosen = language or (await self._tools.caller_facts(call.caller)).language
        return await self.desk.join(
            call_id=call.caller,
            agent_id=call.agent.id,
            agent_leg=call.agent_leg,
            language=chosen or self._policy.languages[0].code,
            documentation=documentation,
        )

    # --- the agent's codes ------------------------------------------------------------------
    async def _keyed_in(self, call: AgentCall, _: KeyedCode) -> None:
        await self._refused_logged(call, self.join(call, None, Documentation()))

    async def _keyed_out(self, call: AgentCall, _: KeyedCode) -> None:
        await self._refused_logged(call, self.desk.drop(call.caller))

    async def _keyed_step(self, call: AgentCall, _: KeyedCode) -> None:
        await self._refused_logged(call, self.desk.step(call.caller))

    async def _keyed_id(self, call: AgentCall, code: KeyedCode) -> None:
        rules = self._policy.interpreters
        try:
            digits = keyed_id(
                code.value, min_digits=rules.id_min_digits, max_digits=rules.id_max_digits
            )
        except InvalidKeyedId as exc:
            log.warning("keyed interpreter id refused", call_id=call.caller, expected=str(exc))
            await self._tools.tell(call, "agent_not_possible")
            return
        documented = self.desk.document(
            call.caller, Documentation(interpreter_id=digits), by=f"{call.agent.id} (phone)"
        )
        await self._refused_logged(call, documented)

    async def _refused_logged(self, call: AgentCall, request: Awaitable[Interpretation]) -> None:
        """A code has no screen to answer on: a refusal (no line, none in) is logged and the
        agent hears that it is not possible."""
        try:
            await request
        except InterpreterError as exc:
            log.warning("interpreter code refused", call_id=call.caller, why=str(exc))
            await self._tools.tell(call, "agent_not_possible")
