"""Test steps in a caller's words: dial the main number, get queued, hang up; each one waits
for what the service says happened (its call events), never for a fixed time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ccc_telephony.store.events import CallEvent
from tests.integration.support.callers import CallerLine, PlacedCall
from tests.integration.support.recorder import EventRecorder

MAIN = "6085550100"  # the default policy's main number


@dataclass
class Callers:
    line: CallerLine
    recorder: EventRecorder

    async def dial(self, number: str = MAIN) -> PlacedCall:
        """A caller dials and the IVR answers."""
        call = await self.line.call(number)
        await self.recorder.wait_for(call.ivr_id, "call_answered")
        return call

    async def in_main_menu(self) -> PlacedCall:
        """A caller dials and chooses English: the main menu is playing."""
        call = await self.dial()
        await self.line.press(call, "1")
        await self.recorder.wait_for(call.ivr_id, "language_selected")
        return call

    async def queued(self, keys: str) -> PlacedCall:
        """A caller dials, keys `keys` and is waiting in a queue (as Asterisk itself says)."""
        call = await self.dial()
        await self.line.press(call, keys)
        await self.line.wait_in_app(call.ivr_id, "Queue")
        return call

    async def with_agent(self, keys: str, phone: Any) -> PlacedCall:
        """A caller keys `keys` in the IVR and is answered on the agent's `phone` (SIPp)."""
        call = await self.dial()
        await self.line.press(call, keys)
        await self.recorder.wait_for(call.ivr_id, "agent_answered", timeout=30)
        await phone.answered()
        return call

    async def hang_up(self, call: PlacedCall) -> CallEvent:
        await self.line.hangup(call)
        return await self.recorder.wait_for(call.ivr_id, "call_ended")
