"""Steps of the callback tests in a caller's words: accept a callback, see app_queue's own line,
wait for the n-th time something happened to a call."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any

from ccc_telephony.store.events import CallEvent
from tests.integration.agents.conftest import Api
from tests.integration.support.callers import PlacedCall
from tests.integration.support.recorder import EventRecorder
from tests.integration.support.steps import Callers

FAMILY = "12" + "4567890123#"  # English, family programs, a case number


async def accepts(callers: Callers, recorder: EventRecorder, call: PlacedCall) -> int:
    """The waiting caller keys 1, then 1 again: their caller ID (6085551234) is right; the
    callback's id. (They hear thanks, some 7 s, and are hung up meanwhile: out of the queue
    already, they take no place in app_queue's line but the placeholder's.)"""
    await callers.line.press(call, "1")
    await recorder.wait_for(call.ivr_id, "callback_offered")
    await callers.line.press(call, "1")
    accepted = await recorder.wait_for(call.ivr_id, "callback_accepted", timeout=30)
    assert accepted.details["number"] == "6085551234"
    assert accepted.details["from_caller_id"] is True
    return int(accepted.details["callback"])


def order(shown: str) -> list[str]:
    """The channels app_queue has waiting, in its order."""
    return re.findall(r"^\s+\d+\. (\S+)", shown, re.M)


async def in_line(queue_show: Callable[[str], Any], count: int, queue: str = "family") -> list[str]:
    """Poll app_queue itself (not the service's belief) until `count` wait in line."""
    async with asyncio.timeout(15):
        while True:
            found = order(await queue_show(queue))
            if len(found) >= count:
                return found
            await asyncio.sleep(0.1)


def placeholder(callback: int) -> str:
    """How a callback's placeholder shows in `queue show`."""
    return f"Local/{callback}@ccc-callback"


async def nth(
    recorder: EventRecorder, call_id: str, name: str, n: int, timeout: float = 30
) -> CallEvent:
    """The n-th (1-based) event `name` of the call."""
    await recorder.wait_until(call_id, lambda names: names.count(name) >= n, timeout)
    return [e for e in recorder.events[call_id] if e.name == name][n - 1]


async def log_out(api: Api, agent_id: str) -> None:
    """Log the agent out once app_queue has told the service their last call is over (its
    AgentComplete may come a moment after the call's own end: until then logging out is
    refused, 409). Polls the agent's state through the API: no event to await from here."""
    async with asyncio.timeout(10):
        while True:
            _, agent = await api.call("GET", f"/api/v1/agents/{agent_id}")
            if agent["state"] != "call_inbound":
                break
            await asyncio.sleep(0.1)
    status, reply = await api.call("POST", f"/api/v1/agents/{agent_id}/logout")
    assert status == 200, reply
