"""A held caller told another consortium's name and number while their agent's consultation
to it is refused: a snoop channel whispers to the caller (over the hold music), then goes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from ccc_telephony.asterisk.ari.channel import StasisChannel
from ccc_telephony.asterisk.ari.dispatcher import CallHandler
from ccc_telephony.transfers.context import TransferContext, number_prompts

HANDLER = "consortium-notice"
Whisper = Callable[[str, str], Awaitable[Any]]  # (caller channel, Stasis arguments)


class ConsortiumNotice:
    def __init__(self, ctx: TransferContext, whisper: Whisper) -> None:
        self.ctx = ctx
        self._whisper = whisper

    def handlers(self) -> dict[str, CallHandler]:
        return {HANDLER: self.speak}

    async def tell(self, call_id: str, language: str, consortium_id: str) -> None:
        """Start telling the caller of `call_id` (a channel outside Stasis, on hold)."""
        await self._whisper(call_id, f"{HANDLER},{call_id},{language},{consortium_id}")

    async def speak(self, snoop: StasisChannel) -> None:
        _, call_id, language, consortium_id, *_ = [*snoop.args, "", "", "", ""]
        consortium = self.ctx.directory().consortium(consortium_id)
        if consortium is None or language not in {x.code for x in self.ctx.policy.languages}:
            await snoop.hangup()
            return
        media = self.ctx.say_media(language, "other_consortium", *number_prompts(consortium))
        await snoop.play(media, interruptible=False)
        self.ctx.emit(call_id, "caller_told_number", {"consortium": consortium.id})
        await snoop.hangup()
