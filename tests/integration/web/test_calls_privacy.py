"""A caller keys an SSN: the call records the API returns carry its last four digits and never
the keyed hash (with the key, a hash of one of 10^9 numbers is inverted in minutes)."""

from __future__ import annotations

from typing import Any

import aiohttp

from ccc_telephony.app import Service
from ccc_telephony.ivr.identification import ssn_hash
from tests.integration.support.callers import CallerLine
from tests.integration.support.clock import ShiftedClock
from tests.integration.support.recorder import EventRecorder
from tests.integration.support.steps import Callers

SSN = "391054826"


async def _get(http: tuple[aiohttp.ClientSession, str], path: str, auth: dict[str, str]) -> Any:
    session, base = http
    async with session.get(f"{base}{path}", headers=auth) as reply:
        assert reply.status == 200
        return await reply.text(), await reply.json()


async def test_the_api_never_returns_the_ssn_hash(
    service: Service,
    line: CallerLine,
    recorder: EventRecorder,
    callers: Callers,
    open_hours: ShiftedClock,
    http: tuple[aiohttp.ClientSession, str],
    auth: dict[str, str],
) -> None:
    call = await callers.dial()
    await line.press(call, "11" + SSN + "#")
    await recorder.wait_for(call.ivr_id, "caller_identified")
    await callers.hang_up(call)
    await service.writer.wait_idle()
    key = service.settings.secret("caller-hash-key").get_secret_value().encode()
    hashed = ssn_hash(SSN, key)

    listed_text, listed = await _get(http, "/api/v1/calls?limit=500", auth)
    one_text, one = await _get(http, f"/api/v1/calls/{call.ivr_id}", auth)

    row = next(c for c in listed["calls"] if c["call_id"] == call.ivr_id)
    assert row["ssn_last4"] == SSN[-4:]
    assert one["call"]["ssn_last4"] == SSN[-4:]
    identified = next(e for e in one["events"] if e["name"] == "caller_identified")
    assert identified["details"]["ssn_last4"] == SSN[-4:]
    for text in (listed_text, one_text):
        assert "ssn_hmac" not in text
        assert hashed not in text
        assert SSN not in text
