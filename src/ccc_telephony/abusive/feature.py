"""The abusive-calls feature put together: the code on the agent's phone (*90), the screen's
route, and the snoop's handler. The composition root creates one."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from aiohttp import web

from ccc_telephony.abusive.closing import AbusiveCalls
from ccc_telephony.agents.calls import AgentCall
from ccc_telephony.asterisk.ari import AriClient
from ccc_telephony.asterisk.ari.dispatcher import CallHandler
from ccc_telephony.asterisk.in_call_codes import KeyedCode
from ccc_telephony.calltools.tools import CallTools
from ccc_telephony.config.policy import Policy
from ccc_telephony.live.feed import LiveFeed
from ccc_telephony.web.auth import principal_of

# The code an agent keys on their phone to end the call (config.codes.TOOL_CODES).
CODE = "ccc_abusive_end"
EmitCall = Callable[[str, str, Mapping[str, Any]], None]
Media = Callable[[str, str], str | None]


class AbusiveFeature:
    def __init__(
        self,
        *,
        policy: Policy,
        media: Media,
        emit: EmitCall,
        live: LiveFeed,
        ari: AriClient,
        calltools: CallTools,
    ) -> None:
        self._calltools = calltools
        self.calls = AbusiveCalls(
            first_language=policy.languages[0].code,
            media=media,
            emit=emit,
            publish=live.publish,
            whisper=lambda channel, args: ari.whisper(channel, app_args=args, both=True),
            hang_up=ari.hangup,
            language_of=self._language_of,
        )
        calltools.code(CODE, self._keyed)

    def stasis_handlers(self) -> dict[str, CallHandler]:
        return self.calls.handlers()

    def routes(self) -> web.RouteTableDef:
        table = web.RouteTableDef()

        @table.post("/api/v1/agents/{agent_id}/call/abusive-end")
        async def abusive_end(request: web.Request) -> web.Response:
            call = await self._calltools.call_of(request)
            await self.calls.end(
                call.agent, call.caller, by=principal_of(request).who, source="api"
            )
            return web.json_response(
                {"call_id": call.caller, "agent": call.agent.id, "ending": True}, status=202
            )

        return table

    async def _keyed(self, call: AgentCall, _: KeyedCode) -> None:
        await self.calls.end(call.agent, call.caller, by=f"{call.agent.id} (phone)", source="code")

    async def _language_of(self, call_id: str) -> str | None:
        """As the IVR left it on the caller's channel: also while the database is down."""
        return (await self._calltools.caller_facts(call_id)).language
