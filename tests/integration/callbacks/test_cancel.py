"""Cancelling a callback not yet dialled (its caller called again, or asked), through the API
and the CLI: the placeholder leaves app_queue, the row says who cancelled it, and only leads,
supervisors and the admin see or cancel callbacks (they hold callers' numbers): a worker gets
403."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import asyncpg

from ccc_telephony.app import Service
from ccc_telephony.devstack.stack import Stack
from tests.integration.agents.conftest import Api
from tests.integration.callbacks.steps import FAMILY, accepts, in_line, order, placeholder
from tests.integration.escalations.conftest import Staff
from tests.integration.support.cli import run_cli
from tests.integration.support.clock import ShiftedClock
from tests.integration.support.recorder import EventRecorder
from tests.integration.support.steps import Callers


async def _gone_from_line(queue_show: Callable[[str], Any], channel: str) -> None:
    """Poll app_queue itself until no channel in its line starts with `channel`."""
    async with asyncio.timeout(10):
        while True:
            if not any(o.startswith(channel) for o in order(await queue_show("family"))):
                return
            await asyncio.sleep(0.1)


async def test_a_lead_and_the_admin_cancel_callbacks_a_worker_may_not_see(
    stack: Stack,
    staff: Staff,
    api: Api,
    callers: Callers,
    recorder: EventRecorder,
    queue_show: Callable[[str], Any],
    db: asyncpg.Connection,
    service: Service,
    open_hours: ShiftedClock,
) -> None:
    worker = await staff("ccanw1", "family")
    lead = await staff("ccanl1", "family", role="lead")
    first = await callers.queued(FAMILY)
    by_api = await accepts(callers, recorder, first)
    second = await callers.queued(FAMILY)
    by_cli = await accepts(callers, recorder, second)
    await in_line(queue_show, 2)

    for method, path in [
        ("GET", "/api/v1/callbacks"),
        ("GET", f"/api/v1/callbacks/{by_api}"),
        ("POST", f"/api/v1/callbacks/{by_api}/cancel"),
    ]:
        status, reply = await api.call(method, path, token=worker)
        assert status == 403, (path, reply)
    status, listed = await api.call("GET", "/api/v1/callbacks?queue=family", token=lead)
    assert status == 200
    assert [(c["id"], c["state"]) for c in listed["callbacks"]] == [
        (by_api, "queued"),
        (by_cli, "queued"),
    ]

    status, reply = await api.call("POST", f"/api/v1/callbacks/{by_api}/cancel", token=lead)
    assert status == 200 and reply["state"] == "cancelled", reply
    cancelled = await recorder.wait_for(first.ivr_id, "callback_cancelled")
    assert cancelled.details["callback"] == by_api
    assert cancelled.details["by"].startswith("ccanl1 (token ")
    await _gone_from_line(queue_show, placeholder(by_api))
    status, reply = await api.call("POST", f"/api/v1/callbacks/{by_api}/cancel", token=lead)
    assert status == 409, reply

    code, out, err = await run_cli(stack, "callbacks", "list")
    assert code == 0, err
    assert [line.split()[:2] for line in out.splitlines()] == [[str(by_cli), "queued"]]
    code, out, err = await run_cli(stack, "callbacks", "cancel", str(by_cli))
    assert code == 0, err
    assert json.loads(out)["state"] == "cancelled"
    await _gone_from_line(queue_show, placeholder(by_cli))
    code, _, err = await run_cli(stack, "callbacks", "cancel", str(by_cli))
    assert code == 1 and "(409)" in err, err
    code, _, err = await run_cli(stack, "callbacks", "cancel", "999999")
    assert code == 1 and "(404)" in err, err

    rows = await db.fetch(
        "SELECT id, state, state_by, placeholder FROM queue_callbacks WHERE id = ANY($1) "
        "ORDER BY id",
        [by_api, by_cli],
    )
    assert [(r["state"], r["state_by"].split()[0]) for r in rows] == [
        ("cancelled", "ccanl1"),
        ("cancelled", "admin"),
    ]
    assert [r["placeholder"] for r in rows] == [f"callback-{by_api}-1", f"callback-{by_cli}-1"]
    code, out, _ = await run_cli(stack, "callbacks", "list", "--state", "cancelled")
    assert code == 0
    assert {str(by_api), str(by_cli)} <= {line.split()[0] for line in out.splitlines()}
    assert (await api.call("GET", "/api/v1/callbacks?state=nonsense"))[0] == 400
    assert (await api.call("GET", "/api/v1/callbacks?queue=nowhere"))[0] == 400
    assert (await api.call("GET", "/api/v1/callbacks/abc"))[0] == 404
