"""ARI side of the IVR: which Stasis arguments it answers and how a call's end is recorded."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from ccc_telephony.asterisk.ari.channel import CallerGone, StasisChannel
from ccc_telephony.asterisk.ari.dispatcher import CallHandler, StasisDispatcher
from ccc_telephony.ivr.context import IvrContext
from ccc_telephony.ivr.flow import MainNumberCall

HANDED_OFF = "handed_to_fallback"


class MainNumber:
    """Runs MainNumberCall for new and adopted calls and writes `call_ended` exactly once."""

    def __init__(self, ctx: IvrContext, dispatcher: StasisDispatcher) -> None:
        self.ctx = ctx
        self.dispatcher = dispatcher
        self.outcomes: Counter[str] = Counter()

    def handlers(self) -> dict[str, CallHandler]:
        return {"main": self.new_call, "adopted": self.adopted_call}

    async def new_call(self, channel: StasisChannel) -> None:
        await self._run(channel, adopted=False)

    async def adopted_call(self, channel: StasisChannel) -> None:
        await self._run(channel, adopted=True)

    async def _run(self, channel: StasisChannel, *, adopted: bool) -> None:
        call = MainNumberCall(self.ctx, channel, watch_until_end=self.watch_until_end)
        try:
            await call.run(adopted=adopted)
        except asyncio.CancelledError:
            # The service is stopping and the dispatcher sends the caller to the fallback (the
            # operator queue while open). The call stays open in the record: the next start
            # watches it to its real end.
            call.outcome = HANDED_OFF
            self.ctx.emit(channel.id, "handed_to_fallback", {"reason": "service stopping"})
            raise
        except CallerGone:
            raise  # the outcome stands: hung up in the IVR unless the flow got further
        except Exception:
            call.outcome = "error"
            raise
        finally:
            # A queued caller's end comes from the watch, once, whatever happened after.
            watched = channel.id in self.dispatcher.watching()
            if call.outcome not in ("queued", HANDED_OFF) and not watched:
                self.ended(channel.id, call.outcome, cause=None)

    async def watch_until_end(self, channel_id: str) -> None:
        def on_destroyed(event: dict[str, Any]) -> None:
            self.ended(channel_id, "queued", cause=event.get("cause_txt"))

        await self.dispatcher.watch(channel_id, on_destroyed)

    def ended(self, call_id: str, outcome: str, *, cause: str | None) -> None:
        self.outcomes[outcome] += 1
        self.ctx.emit(call_id, "call_ended", {"outcome": outcome, "cause": cause})
