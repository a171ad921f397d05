"""Who sees, takes and may dial back which message, through the real API and database: a page of
a list is filtered by access in PostgreSQL before its limit (so someone else's older messages
never crowd one's own out), the operator queue's after-hours messages are every lead's and
supervisor's (live too), an after-hours message is taken over (API and CLI, audited), the JSON
says when the pre-due flag went and whether a message is overdue, and a caller's number outside
the US is never dialled back."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import asyncpg

from ccc_telephony.app import Service
from ccc_telephony.devstack.stack import Stack
from ccc_telephony.store.messages import MessageRow
from tests.integration.agents.conftest import Api
from tests.integration.returns.test_returning_messages import _actions, _row, a_message
from tests.integration.support.cli import run_cli
from tests.integration.support.clock import Moments, ShiftedClock
from tests.integration.support.live import live_feed


async def _after_hours(service: Service, queue: str | None, number: str) -> MessageRow:
    return await service.messages.take(
        source="after_hours",
        queue=queue,
        call_id=f"call-{secrets.token_hex(6)}",
        recording=f"ccc-test-after-hours-{secrets.token_hex(4)}",
        language="en",
        caller_number=number,
    )


async def test_a_page_holds_what_the_reader_may_see_and_says_where_the_next_starts(
    staff: Callable[..., Any],
    api: Api,
    service: Service,
    stack: Stack,
    clock: ShiftedClock,
    moments: Moments,
) -> None:
    clock.set(moments.open)
    await staff("rlsup1", "ebd", role="supervisor")
    mine = await staff("rlist1", "ebd", supervisor="rlsup1")
    await staff("rlist2", "ebd", supervisor="rlsup1")
    # Someone else's messages, due earlier than any of mine: once they filled the first page.
    earlier = moments.open - timedelta(days=7)
    for n in range(6):
        await a_message(service, "rlist2", f"608555016{n}", earlier)
    own = [await a_message(service, "rlist1", f"608555017{n}", moments.open) for n in range(3)]

    status, reply = await api.call("GET", "/api/v1/messages?owner=rlist1&limit=2", token=mine)
    assert status == 200, reply
    assert [m["id"] for m in reply["messages"]] == [own[0].id, own[1].id]
    assert reply["next_offset"] == 2
    path = "/api/v1/messages?owner=rlist1&limit=2&offset=2"
    status, reply = await api.call("GET", path, token=mine)
    assert [m["id"] for m in reply["messages"]] == [own[2].id] and reply["next_offset"] is None
    status, reply = await api.call("GET", "/api/v1/messages/unreturned?limit=3", token=mine)
    assert [m["id"] for m in reply["messages"]] == [m.id for m in own]
    for bad in ("limit=0", "limit=501", "offset=-1", "limit=x"):
        assert (await api.call("GET", f"/api/v1/messages?{bad}", token=mine))[0] == 400, bad

    # The day's check and the pre-due flags see every open message, however many.
    open_ = await service.messages.unreturned(None)
    assert {m.id for m in own} <= {m.id for m in open_}

    # The CLI follows the pages.
    code, out, err = await run_cli(stack, "messages", "list", "--owner", "rlist1")
    assert code == 0 and all(f"#{m.id} " in out for m in own), err


async def test_the_operator_queues_message_is_every_heads_and_is_taken_over(
    staff: Callable[..., Any],
    api: Api,
    service: Service,
    db: asyncpg.Connection,
    stack: Stack,
    clock: ShiftedClock,
    moments: Moments,
) -> None:
    clock.set(moments.open)
    lead = await staff("rllead1", "family", role="lead")
    boss = await staff("rlsup2", "ebd", role="supervisor")
    worker = await staff("rlist3", "ebd", supervisor="rlsup2")
    async with live_feed(api.base, lead) as live:
        row = await _after_hours(service, "operator", "6085550181")
        left = await live.next_of("message_left")
        assert left["id"] == row.id  # a Family lead hears of the operator queue's message
    for token in (lead, boss):
        assert (await api.call("GET", f"/api/v1/messages/{row.id}", token=token))[0] == 200
    assert (await api.call("GET", f"/api/v1/messages/{row.id}", token=worker))[0] == 403
    status, reply = await api.call("GET", "/api/v1/messages/unreturned?limit=500", token=lead)
    assert row.id in [m["id"] for m in reply["messages"]]
    clock.set(moments.open.replace(hour=16, minute=31))
    lists = {entry.supervisor: entry for entry in await service.returns.check.day_check()}
    assert row.id in [m.id for m in lists["rlsup2"].messages]

    # A worker may not take it; the supervisor gives it to their worker: audited, the owner's.
    path = f"/api/v1/messages/{row.id}/take-over"
    assert (await api.call("POST", path, {}, token=worker))[0] == 403
    assert (await api.call("POST", path, {"agent": "rlist3"}, token=lead))[0] == 403
    status, reply = await api.call("POST", path, {"agent": "rlist3"}, token=boss)
    assert status == 200 and reply["owner"] == "rlist3", reply
    assert (await api.call("GET", f"/api/v1/messages/{row.id}", token=worker))[0] == 200
    assert (await api.call("GET", f"/api/v1/messages/{row.id}", token=lead))[0] == 403
    assert (await api.call("POST", path, {"agent": "rlist3"}, token=boss))[0] == 409
    # And by the admin, from the CLI.
    code, out, err = await run_cli(stack, "messages", "take", str(row.id), "--agent", "rlsup2")
    assert code == 0 and f"#{row.id} now rlsup2's" in out, err
    assert (await _row(db, row.id))["owner"] == "rlsup2"
    assert await _actions(db, row.id) == ["left", "taken_over", "taken_over"]
    details = await db.fetch(
        "SELECT who, details FROM message_actions WHERE message_id = $1 AND action = 'taken_over'"
        " ORDER BY id",
        row.id,
    )
    assert [d["who"].split(" ")[0] for d in details] == ["rlsup2", "admin"]


async def test_the_json_tells_the_flag_and_overdue_and_a_foreign_number_is_never_dialled(
    staff: Callable[..., Any],
    phones: Callable[..., Any],
    api: Api,
    token_for: Callable[..., Any],
    service: Service,
    db: asyncpg.Connection,
    stack: Stack,
    clock: ShiftedClock,
    moments: Moments,
) -> None:
    clock.set(moments.open)
    await phones("rlist4", "3971", "ebd", log_in=False)
    own = await token_for("rlist4")
    row = await a_message(service, "rlist4", "8765550142", moments.open)  # Jamaica
    clock.set(row.due_at - timedelta(minutes=30))
    await service.returns.check.warn_due()
    status, shown = await api.call("GET", f"/api/v1/messages/{row.id}", token=own)
    assert status == 200 and shown["warned_at"] is not None and shown["overdue"] is False
    clock.set(row.due_at + timedelta(minutes=1))
    status, shown = await api.call("GET", "/api/v1/messages?overdue=true&limit=500", token=own)
    assert [m["overdue"] for m in shown["messages"] if m["id"] == row.id] == [True]
    code, out, err = await run_cli(stack, "messages", "list", "--owner", "rlist4")
    assert code == 0 and "OVERDUE" in out and "warned" in out, err

    before = len(await service.ari.channels())
    path = f"/api/v1/messages/{row.id}/return"
    status, reply = await api.call("POST", path, {}, token=own)
    assert status == 422 and "US number" in reply["detail"], reply
    assert len(await service.ari.channels()) == before
    assert ((await _row(db, row.id))["state"], await _actions(db, row.id)) == (
        "new",
        ["left", "warned"],
    )
