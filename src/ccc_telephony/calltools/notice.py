"""What an agent hears when a tool's code cannot be done (e.g. *86 with no script in the
caller's language, *62 with no interpreter in, any code keyed with no caller): a staff prompt
(`agent_*`) whispered to the agent's own phone leg (a snoop, whisper out), which the caller
does not hear. A code has no screen to answer on; the API says the same in its answer."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import structlog

from ccc_telephony.asterisk.ari.channel import StasisChannel
from ccc_telephony.asterisk.ari.client import AriClient, AriError
from ccc_telephony.asterisk.ari.dispatcher import CallHandler

log = structlog.get_logger(__name__)

HANDLER = "agent-notice"


class AgentNotice:
    def __init__(self, ari: AriClient, media: Callable[[str], str | None]) -> None:
        """`media(prompt)`: a staff prompt's sound (the first language)."""
        self._ari = ari
        self._media = media

    def handlers(self) -> dict[str, CallHandler]:
        return {HANDLER: self._speak}

    async def tell(self, agent_leg: str, prompt: str) -> None:
        """Whisper `prompt` to the agent's phone channel (its name, PJSIP/3101-0000002a)."""
        try:
            leg = next(
                (str(c["id"]) for c in await self._ari.channels() if c.get("name") == agent_leg),
                None,
            )
            if leg is not None:
                await self._ari.whisper(leg, app_args=f"{HANDLER},{prompt}")
        except AriError as exc:
            log.warning("cannot tell the agent", prompt=prompt, status=exc.status)

    async def _speak(self, snoop: StasisChannel) -> None:
        prompt = snoop.args[1] if len(snoop.args) > 1 else ""
        media = self._media(prompt) if prompt.startswith("agent_") else None
        with contextlib.suppress(Exception):
            if media is not None:
                await snoop.play([media], interruptible=False)
        await snoop.hangup()
