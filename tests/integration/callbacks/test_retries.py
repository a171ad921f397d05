"""A callback nobody answers, on the real Asterisk: the carrier says busy; the attempt is a
failed contact of the agent who made it, the callback waits `callbacks.retry_minutes` (on the
service's clock) and goes back in line at its head, and after `callbacks.max_attempts` it has
failed for good (callback_failed with final=true)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from ccc_telephony.app import Service
from tests.integration.agents.conftest import Api
from tests.integration.callbacks.steps import FAMILY, accepts, in_line, log_out, nth, placeholder
from tests.integration.support.clock import ShiftedClock
from tests.integration.support.recorder import EventRecorder
from tests.integration.support.steps import Callers
from tests.sipp import BUSY


async def test_an_unanswered_callback_is_tried_again_at_the_head_then_fails(
    phones: Callable[..., Any],
    carrier: Callable[..., Any],
    api: Api,
    callers: Callers,
    recorder: EventRecorder,
    queue_show: Callable[[str], Any],
    db: asyncpg.Connection,
    service: Service,
    open_hours: ShiftedClock,
) -> None:
    callbacks = service.callbacks.service
    assert callbacks.policy.max_attempts == 3
    retry = timedelta(minutes=callbacks.policy.retry_minutes)
    agent = await phones("cback5", "3965", "family", log_in=False)
    accepting = await callers.queued(FAMILY)
    callback = await accepts(callers, recorder, accepting)

    async def busy_attempt(n: int, outside: Any) -> dict[str, Any]:
        """The n-th attempt: the agent answers the placeholder, the carrier says busy."""
        dialled = await nth(recorder, accepting.ivr_id, "callback_dialled", n)
        assert (dialled.details["agent"], dialled.details["attempt"]) == ("cback5", n)
        await outside.rejected()
        failed = await nth(recorder, accepting.ivr_id, "callback_failed", n)
        await outside.close()
        return dict(failed.details)

    # One call per carrier (SIPp's scenario runs once): a new one before each attempt.
    outside = await carrier(handling=BUSY)
    status, _ = await api.call("POST", "/api/v1/agents/cback5/login")
    assert status == 200
    first = await busy_attempt(1, outside)
    assert (first["outcome"], first["final"], first["agent"]) == ("busy", False, "cback5")
    row = await db.fetchrow("SELECT * FROM queue_callbacks WHERE id = $1", callback)
    assert row is not None and (row["state"], row["attempts"]) == ("waiting", 1)
    assert row["next_attempt_at"] == datetime.fromisoformat(first["retry_at"])
    assert row["next_attempt_at"] - row["state_at"] == retry
    contact = await db.fetchrow(
        "SELECT * FROM contacts WHERE kind = 'outbound_attempt' AND call_id = $1",
        first["attempt_id"],
    )
    assert contact is not None
    assert (contact["agent_id"], contact["disposition"]) == ("cback5", "busy")
    assert contact["recorded_at"] is not None  # a failed attempt is logged whole, at once

    await log_out(api, "cback5")
    assert await callbacks.tick() == 0  # not due yet
    behind = await callers.queued(FAMILY)
    open_hours.set(open_hours() + retry)
    await callbacks.tick()  # (or the service's own round, whichever comes first)
    order = await in_line(queue_show, 2)
    assert order[0].startswith(placeholder(callback)), order  # at the head
    outside = await carrier(handling=BUSY)
    status, _ = await api.call("POST", "/api/v1/agents/cback5/login")
    assert status == 200
    second = await busy_attempt(2, outside)
    assert (second["outcome"], second["final"]) == ("busy", False)
    await recorder.wait_for(behind.ivr_id, "agent_answered", timeout=30)  # then the caller
    await agent.answered(3)
    await callers.hang_up(behind)

    outside = await carrier(handling=BUSY)
    open_hours.set(open_hours() + retry)
    await callbacks.tick()
    last = await busy_attempt(3, outside)
    assert (last["outcome"], last["final"], last["retry_at"]) == ("busy", True, None)
    row = await db.fetchrow("SELECT * FROM queue_callbacks WHERE id = $1", callback)
    assert row is not None
    assert (row["state"], row["attempts"], row["last_outcome"]) == ("failed", 3, "busy")
    attempts = await db.fetch(
        "SELECT call_id, disposition FROM contacts WHERE kind = 'outbound_attempt' "
        "AND agent_id = 'cback5' ORDER BY id"
    )
    assert [a["call_id"] for a in attempts] == [
        first["attempt_id"],
        second["attempt_id"],
        last["attempt_id"],
    ]
    assert {a["disposition"] for a in attempts} == {"busy"}
    # Nothing else: the placeholders the agent answered are no calls, nor contacts, of their own.
    await service.writer.wait_idle()
    assert await db.fetchval(
        "SELECT count(*) FROM contacts WHERE agent_id = 'cback5' AND call_id <> $1", behind.ivr_id
    ) == len(attempts)
    assert await db.fetchval("SELECT count(*) FROM calls WHERE call_id LIKE 'callback-%'") == 0
