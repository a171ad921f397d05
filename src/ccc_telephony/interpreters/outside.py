"""The agent's channel is app_queue's, outside our Stasis app: ARI refuses its variables
(409), so what the desk changes on it goes by AMI, which names channels by name."""

from __future__ import annotations

from typing import Any

from ccc_telephony.asterisk.ami import Ami
from ccc_telephony.interpreters.service import InterpreterError

# VOLUME()'s gain below 0 divides each sample: a voice at full scale becomes a sample or two.
MUTED_GAIN = "-10000"


class QueueCallChannels:
    def __init__(self, ami: Ami) -> None:
        self._ami = ami

    async def mute(self, channel: str, muted: bool) -> None:
        """Neither heard nor hearing, or back: the channel's gain both ways. Not AMI MuteAudio,
        which drops the agent's frames: the bridge then writes nothing to the caller, and the
        interpreter's whisper (mixed into what is written to the caller) went unheard (seen on
        Asterisk 22.10.1); attenuated frames keep flowing."""
        gain = MUTED_GAIN if muted else "0"
        for direction in ("TX", "RX"):
            await self._set_variable(channel, f"VOLUME({direction})", gain)

    async def _set_variable(self, channel: str, name: str, value: str) -> None:
        await self._act({"Action": "Setvar", "Channel": channel, "Variable": name, "Value": value})

    async def _act(self, action: dict[str, str]) -> Any:
        try:
            reply = await self._ami.action(action)
        except (ConnectionError, TimeoutError):
            raise InterpreterError("Asterisk's manager interface did not answer") from None
        if not getattr(reply, "success", False):
            why = str(reply.get("Message") or "")[:80]
            raise InterpreterError(f"{action['Action']} refused on the call's channel: {why}")
        return reply
