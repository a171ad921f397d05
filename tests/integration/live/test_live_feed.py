"""One real call through the IVR and the EBD queue to a SIPp agent, watched live: the agent's
own token gets the call's events and their state, a colleague's gets none of it, another
unit's supervisor following the queue sees the caller join and leave it, and each connection
to the calls topic is a read of call data in the audit."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from ccc_telephony.app import Service
from ccc_telephony.live.feed import Audience
from tests.integration.support.clock import ShiftedClock
from tests.integration.support.live import live_feed
from tests.integration.support.steps import Callers

CASE = "4567890123"


async def test_an_agent_sees_their_own_call_a_supervisor_the_queue_and_reads_are_audited(
    phones: Callable[..., Any],
    staff: Callable[..., Awaitable[str]],
    token_of: Callable[[str], Awaitable[str]],
    callers: Callers,
    service: Service,
    db: asyncpg.Connection,
    base: str,
    open_hours: ShiftedClock,
) -> None:
    phone = await phones("lvann", "3781", "ebd")
    colleague_token = await staff("lvbob", "ebd")
    boss_token = await staff("lvsup", "family", role="supervisor")
    async with (
        live_feed(base, await token_of("lvann"), "topics=calls,agents") as own,
        live_feed(base, colleague_token, "topics=calls,notices") as colleague,
        live_feed(base, boss_token, "topics=queues&queue=ebd") as floor,
    ):
        call = await callers.with_agent("11" + CASE + "#", phone)
        before = await own.until("call.answered", timeout=15)
        assert [(e["type"], e["call_id"]) for e in before if e["topic"] == "calls"] == [
            ("call.offered", call.ivr_id)
        ]
        assert [e["state"] for e in before if e["type"] == "agent.state"] == ["call_inbound"]
        assert all(e.get("agent") == "lvann" for e in before)

        joined, left = await floor.next_of("queue.joined"), await floor.next_of("queue.left")
        assert (joined["call_id"], joined["queue"], joined["waiting"]) == (call.ivr_id, "ebd", 1)
        assert (left["call_id"], left["reason"], left["waiting"]) == (call.ivr_id, "answered", 0)

        await callers.hang_up(call)
        ended = await own.next_of("call.ended", timeout=15)
        assert (ended["call_id"], ended["agent"], ended["outcome"]) == (
            call.ivr_id,
            "lvann",
            "answered",
        )
        # The feed is ordered: a marker sent after the call's end is the first thing the
        # colleague's screen shows, so nothing of the call reached it.
        service.live.publish("marker", {}, Audience.people("lvbob"))
        assert await colleague.until("marker") == []

    reads = await db.fetch(
        "SELECT who, role, what FROM call_data_reads WHERE who LIKE 'lv%' ORDER BY id"
    )
    assert [(r["who"].split(" ")[0], r["role"], r["what"]) for r in reads] == [
        ("lvann", "agent", "live_calls"),
        ("lvbob", "agent", "live_calls"),
    ]  # the supervisor followed the queues topic only: no call data
