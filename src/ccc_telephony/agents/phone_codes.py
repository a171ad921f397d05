"""Feature codes on an agent's phone: *70 log in, *71 log out, *72 Ready, *73N Not Ready with
the Nth reason of the policy's list. Each answers with a short confirmation prompt.

The phone is known by its PJSIP endpoint (its extension), which Asterisk authenticated; the
dialplan sends only the agent-phones context here, and the handler checks that again.
"""

from __future__ import annotations

from collections.abc import Callable

import structlog

from ccc_telephony.agents.service import AgentService, CoverageRefused
from ccc_telephony.agents.states import StateError
from ccc_telephony.asterisk.ari.channel import StasisChannel, phone_extension
from ccc_telephony.asterisk.ari.dispatcher import CallHandler

log = structlog.get_logger(__name__)

HANDLER = "agent-code"  # Stasis(<app>,agent-code,<action>[,<reason number>])
PHONE_CONTEXT = "ccc-agent-phones"
Media = Callable[[str], str | None]


class PhoneCodes:
    def __init__(self, agents: AgentService, media: Media) -> None:
        self._agents = agents
        self._media = media

    def handlers(self) -> dict[str, CallHandler]:
        return {HANDLER: self.run}

    async def run(self, channel: StasisChannel) -> None:
        await channel.answer()
        reply = await self._perform(channel)
        await channel.play([uri for uri in (self._media(reply),) if uri], interruptible=False)
        await channel.hangup()

    async def _perform(self, channel: StasisChannel) -> str:
        """Do what the code asks and name the prompt that says how it went."""
        extension = phone_extension(channel.name)
        agent = self._agents.by_extension(extension) if extension else None
        if agent is None or channel.context != PHONE_CONTEXT:
            log.warning("feature code from a phone that is not an agent's", call_id=channel.id)
            return "agent_unknown_phone"
        action, *rest = [*channel.args[1:], ""]
        by = f"phone:{agent.extension}"
        try:
            if action == "login":
                await self._agents.log_in(agent.id, source="phone", by=by)
                return "agent_logged_in"
            if action == "logout":
                await self._agents.log_out(agent.id, source="phone", by=by)
                return "agent_logged_out"
            if action == "ready":
                await self._agents.ready(agent.id, source="phone", by=by)
                return "agent_ready"
            if action == "not_ready":
                reason = self._reason(rest[0])
                await self._agents.not_ready(agent.id, reason, source="phone", by=by)
                return "agent_not_ready"
        except CoverageRefused:
            return "agent_refused"
        except StateError as exc:
            log.info("feature code not possible now", agent=agent.id, why=str(exc))
            return "agent_not_possible"
        return "agent_not_possible"

    def _reason(self, keyed: str) -> str:
        reasons = self._agents.policy.agents.not_ready_reasons
        if not keyed.isdecimal() or not 1 <= int(keyed) <= len(reasons):
            raise StateError(f"no Not Ready reason number {keyed[:3]!r}")
        return reasons[int(keyed) - 1]
