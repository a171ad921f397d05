"""One real SIP call answered by a SIPp agent and one caller who gives up in the queue, through
Asterisk, the service and its event writer: both visits appear in the interval report and
the abandoned one in the abandoned list, read over the service's own HTTP API."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from ccc_telephony.app import Service
from tests.integration.agents.conftest import Api, api, phones
from tests.integration.support.clock import Moments, ShiftedClock
from tests.integration.support.recorder import EventRecorder
from tests.integration.support.steps import Callers

__all__ = ["api", "phones"]


async def _interval(api: Api, day: str, queue: str) -> dict[str, Any]:
    status, body = await api.call("GET", f"/api/v1/reports/interval?from={day}&queue={queue}")
    assert status == 200, body
    [row] = body["rows"]
    return row


async def test_an_answered_and_an_abandoned_visit_appear_in_the_reports(
    phones: Callable[..., Awaitable[Any]],
    api: Api,
    callers: Callers,
    recorder: EventRecorder,
    service: Service,
    open_hours: ShiftedClock,
    moments: Moments,
) -> None:
    day = moments.open.date().isoformat()
    before = {queue: await _interval(api, day, queue) for queue in ("ebd", "operator")}
    agent = await phones("rpagent1", "3951", "ebd")

    answered = await callers.with_agent("11" + "4567890123#", agent)
    await callers.hang_up(answered)
    await recorder.wait_for(answered.ivr_id, "agent_call_completed")
    gave_up = await callers.queued("10")  # English, then 0: nobody answers the operator queue
    await callers.hang_up(gave_up)
    await recorder.wait_for(gave_up.ivr_id, "abandoned")
    await service.writer.wait_idle()

    ebd = await _interval(api, day, "ebd")
    operator = await _interval(api, day, "operator")
    assert (ebd["offered"], ebd["answered"]) == (
        before["ebd"]["offered"] + 1,
        before["ebd"]["answered"] + 1,
    )
    gone = operator["abandoned"] + operator["short_abandons"]
    assert gone == before["operator"]["abandoned"] + before["operator"]["short_abandons"] + 1
    status, listed = await api.call("GET", f"/api/v1/reports/abandoned?from={day}&queue=operator")
    assert status == 200, listed
    [row] = [r for r in listed["rows"] if r["call_id"] == gave_up.ivr_id]
    assert row["position"] == 1 and row["queue"] == "operator"
