"""Probe (temporary): a capture on a Local-channel caller answered by a SIPp agent."""

from __future__ import annotations

import asyncio
import wave
from array import array
from collections.abc import Callable
from typing import Any

from ccc_telephony.app import Service
from tests.integration.support.clock import ShiftedClock
from tests.integration.support.recorder import EventRecorder
from tests.integration.support.steps import Callers


def energy(path: Any, freq: float) -> list[tuple[float, float]]:
    import math

    with wave.open(str(path)) as w:
        rate = w.getframerate()
        data = array("h")
        data.frombytes(w.readframes(w.getnframes()))
    out = []
    n = rate // 10
    for start in range(0, len(data) - n, n):
        block = data[start : start + n]
        k = round(freq * n / rate)
        coeff = 2 * math.cos(2 * math.pi * k / n)
        s1 = s2 = 0.0
        for x in block:
            s0 = x + coeff * s1 - s2
            s2, s1 = s1, s0
        power = s1 * s1 + s2 * s2 - coeff * s1 * s2
        total = sum(x * x for x in block) * n / 2 or 1
        out.append((round(power / total, 2), round(math.sqrt(sum(x * x for x in block) / n))))
    return out


async def test_probe(
    phones: Callable[..., Any],
    callers: Callers,
    recorder: EventRecorder,
    service: Service,
    open_hours: ShiftedClock,
) -> None:
    agent = await phones("sigp1", "3931", "ebd")
    call = await callers.with_agent("11" + "4567890123#", agent)
    await callers.line.ari.play(call.line_id, ["tone:1000"], playback_id=f"{call.line_id}-t")
    row = await service.signatures.captures.start(call_id=call.ivr_id, agent_id="sigp1")
    print("started", row)
    await asyncio.sleep(14)
    sealed = await service.signatures.captures.end(call.ivr_id, complete=True, ended_by="api")
    print("sealed", sealed)
    vault = service.signatures.service.vault
    for name in (sealed.caller_file, sealed.both_file):
        print(name, energy(vault.path(name), 1000))
    await callers.hang_up(call)
