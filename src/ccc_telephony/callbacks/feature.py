"""The callbacks feature put together: the caller's offer flow and the placeholders' agents in
our Stasis app, the round that puts due callbacks back in line, reconciliation on every
(re)connect to Asterisk, and the routes. The composition root gives it what it needs from the
agents feature (who is at an extension, app_queue's line) and the return-call dialer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.asterisk.ari import AriClient
from ccc_telephony.asterisk.ari.dispatcher import CallHandler
from ccc_telephony.asterisk.queues import Caller, Member
from ccc_telephony.callbacks import http
from ccc_telephony.callbacks.line import PlaceInLine
from ccc_telephony.callbacks.offer import Media
from ccc_telephony.callbacks.rules import AGENT_HANDLER, OFFER_HANDLER, Waiting
from ccc_telephony.callbacks.service import AgentAt, CallbackService, CallerDialer, Contacts, Emit
from ccc_telephony.config.policy import Policy
from ccc_telephony.live.feed import Audience

Publish = Callable[[str, Mapping[str, Any], Audience], int]

# How often due callbacks (retries) are looked for.
ROUND_SECONDS = 5.0
QueueStatus = Callable[[], Awaitable[tuple[list[Member], list[Caller]]]]


class CallbacksFeature:
    def __init__(
        self,
        *,
        policy: Policy,
        engine: AsyncEngine,
        ari: AriClient,
        clock: Callable[[], datetime],
        queue_status: QueueStatus,
        dialer: CallerDialer,
        contacts: Contacts,
        agent_at: AgentAt,
        media: Media,
        emit: Emit,
        publish: Publish,
    ) -> None:
        async def line() -> list[Waiting]:
            _, callers = await queue_status()
            return [Waiting(c.queue, c.call_id, c.wait_seconds) for c in callers]

        def emit_live(call_id: str, name: str, details: Mapping[str, Any]) -> None:
            """A call event, and live to the agent's unit (the admin alone before an agent)."""
            emit(call_id, name, details)
            agent = details.get("agent")
            audience = Audience.unit(agent) if isinstance(agent, str) else Audience()
            publish(name, {"call_id": call_id, **details}, audience)

        self._queues = frozenset(policy.queues)
        self.service = CallbackService(
            engine=engine,
            policy=policy.callbacks,
            clock=clock,
            line=PlaceInLine(engine=engine, ari=ari, line=line, clock=clock),
            dialer=dialer,
            contacts=contacts,
            agent_at=agent_at,
            ari=ari,
            media=media,
            emit=emit_live,
            first_digit_seconds=policy.menu.first_digit_timeout_seconds,
        )
        self.round_seconds = ROUND_SECONDS

    def caller_handlers(self) -> dict[str, CallHandler]:
        """The caller who keyed 1: a caller (the dialplan fallback puts them back in line)."""
        return {OFFER_HANDLER: self.service.offered}

    def placeholder_handlers(self) -> dict[str, CallHandler]:
        """A placeholder's agent: not a caller (hung up on failure, the agent freed)."""
        return {AGENT_HANDLER: self.service.answered}

    def routes(self) -> web.RouteTableDef:
        return http.routes(self.service, self._queues)

    async def tick(self) -> None:
        await self.service.tick()

    async def reconcile(self) -> None:
        await self.service.reconcile()
