"""Confidential tasks kept in sight (real calls, the sandbox's SMTP server, the injected clock):
flagged once before they are due; the worker's e-mail through the mail outbox, retried while
the SMTP server is away; given by a lead to another worker, due again from then (too little
shift time left that day: the end of the next shift); a worker who left the roster sends the
overdue task to the marking agent's leads, who may give it to someone else."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from ccc_telephony.devstack.stack import Stack
from ccc_telephony.live.feed import Audience
from ccc_telephony.mail import Mailer
from tests.integration.confidential.conftest import Desk, details
from tests.integration.confidential.test_confidential_callbacks import (
    SSN_SHAPE,
    _mail,
    _shift_end,
)
from tests.integration.support.cli import run_cli
from tests.integration.support.clock import Moments, ShiftedClock
from tests.integration.support.live import LiveClient, live_feed
from tests.integration.support.ports import closed_tcp_port


async def _of_task(screen: LiveClient, kind: str, task_id: int) -> dict[str, Any]:
    """The next event of `kind` about this task (a lead hears of the unit's other tasks)."""
    while True:
        event = await screen.next_of(kind)
        if event["task_id"] == task_id:
            return event


def _thursday_end(moments: Moments) -> datetime:
    """The test Tuesday's Thursday, end of the default shift (Wednesday is the holiday)."""
    return _shift_end(moments) + timedelta(days=2)


async def test_a_task_not_done_an_hour_before_due_is_flagged_once(
    desk: Desk,
    moments: Moments,
    open_hours: ShiftedClock,
) -> None:
    told = await desk.told_task(21, "3941")
    lead, worker, task, call_id = told.lead, told.worker, told.task, told.call_id
    confidential = desk.service.confidential.service
    await confidential.mail_sent()
    due = _shift_end(moments)
    open_hours.set(due - timedelta(minutes=61))
    assert await confidential.check_due_soon() == []  # not within the hour yet

    async with (
        live_feed(desk.base, worker) as worker_screen,
        live_feed(desk.base, lead) as lead_screen,
    ):
        open_hours.set(due - timedelta(minutes=59))
        [warned] = [r for r in await confidential.check_due_soon() if r.id == task["id"]]
        assert warned.warned_to is not None
        assert {"cwork21", "clead21"} <= set(warned.warned_to)
        for screen in (worker_screen, lead_screen):
            flag = await _of_task(screen, "confidential_callback_due_soon", task["id"])
            assert (flag["attempts"], flag["state"], flag["worker"]) == (0, "owed", "cwork21")
        assert task["id"] not in [r.id for r in await confidential.check_due_soon()]  # once
        desk.service.live.publish("marker", {}, Audience.people("cwork21"))
        assert (await worker_screen.next())["type"] == "marker"
    [message] = _mail(desk.maildir, f"Due soon: confidential case (task {task['id']})", call_id)
    assert message["To"].startswith("cwork21@agency.example, clead21@agency.example")
    body = message.get_content()
    assert "Cwork21 (cwork21) has not yet called back" in body and "within 60 minutes" in body
    assert "Phone: 608-555-0123" in body
    assert not SSN_SHAPE.search(body.replace(call_id, " "))
    status, shown = await desk.api.call("GET", f"/api/v1/confidential/{task['id']}", token=lead)
    assert status == 200 and shown["warned_at"] is not None, shown
    assert "warned" in [h["action"] for h in shown["history"]]


async def test_the_workers_e_mail_waits_in_the_outbox_while_smtp_is_away(
    desk: Desk,
    open_hours: ShiftedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    outbox = desk.service.outbox
    real = outbox._mailer
    away = desk.service.settings.model_copy(update={"smtp_port": closed_tcp_port()})
    monkeypatch.setattr(outbox, "_mailer", Mailer(away))
    told = await desk.told_task(22, "3942")
    worker, task, call_id = told.worker, told.task, told.call_id
    confidential = desk.service.confidential.service
    await confidential.mail_sent()
    subject = f"Confidential case (task {task['id']})"
    assert _mail(desk.maildir, subject, call_id) == []
    path = f"/api/v1/confidential/{task['id']}"
    status, shown = await desk.api.call("GET", path, token=worker)
    assert status == 200 and shown["email_error"], shown  # posted; its first try failed
    assert shown["emailed_to"][0] == "cwork22@agency.example"

    monkeypatch.setattr(outbox, "_mailer", real)
    await confidential.check()  # the job's next run: the outbox tries again
    [message] = _mail(desk.maildir, subject, call_id)
    assert message["To"].startswith("cwork22@agency.example, clead22@agency.example")
    await confidential.check()
    assert len(_mail(desk.maildir, subject, call_id)) == 1  # once


async def test_a_lead_gives_a_told_task_to_another_worker(
    desk: Desk,
    stack: Stack,
    moments: Moments,
    open_hours: ShiftedClock,
) -> None:
    second = await desk.staff("cwork24", "ebd", email="cwork24@agency.example")
    told = await desk.told_task(23, "3943")
    lead, first, task, call_id = told.lead, told.worker, told.task, told.call_id
    await desk.service.confidential.service.mail_sent()
    path = f"/api/v1/confidential/{task['id']}"
    move = {"worker_id": "cwork24", "note": "cwork23 is out sick"}
    status, reply = await desk.api.call("POST", path + "/reassign", move, token=first)
    assert status == 403, reply  # the worker may not hand it on
    status, reply = await desk.api.call(
        "POST", path + "/reassign", {"worker_id": "nobody"}, token=lead
    )
    assert status == 422 and "worker_id" in reply["detail"], reply
    status, reply = await desk.api.call(
        "POST", path + "/reassign", {"worker_id": "cwork23"}, token=lead
    )
    assert status == 409, reply

    # Half an hour of Tuesday's shift left, Wednesday a holiday: less than the policy's hour
    # within 24 h, so the new worker's call back is due at the end of Thursday's shift.
    open_hours.set(_shift_end(moments) - timedelta(minutes=30))
    async with (
        live_feed(desk.base, second) as new_screen,
        live_feed(desk.base, first) as old_screen,
    ):
        status, moved = await desk.api.call("POST", path + "/reassign", move, token=lead)
        assert status == 200 and moved["worker"] == "cwork24", moved
        assert datetime.fromisoformat(moved["due_at"]) == _thursday_end(moments)
        assert moved["due_within"] is False and moved["notified"][0] == "cwork24"
        owed = await _of_task(new_screen, "confidential_callback_owed", task["id"])
        assert (owed["worker"], owed["due_within"]) == ("cwork24", False)
        gone = await old_screen.next_of("confidential_callback_reassigned")
        assert (gone["from"], gone["to"], gone["by"]) == ("cwork23", "cwork24", "clead23")
    await desk.service.confidential.service.mail_sent()
    [message] = [
        m
        for m in _mail(desk.maildir, f"Confidential case (task {task['id']})", call_id)
        if m["To"].startswith("cwork24@")
    ]
    body = message.get_content()
    assert "Cwork24 (cwork24) is to call back" in body and "24 hours could not be met" in body

    assert (await desk.api.call("GET", path, token=first))[0] == 403  # no longer theirs
    status, shown = await desk.api.call("GET", path, token=second)
    assert status == 200 and shown["escalated_at"] is None, shown
    (moved_row,) = [h for h in shown["history"] if h["action"] == "reassigned"]
    assert (moved_row["from"], moved_row["to"]) == ("cwork23", "cwork24")
    assert moved_row["who"].startswith("clead23") and moved_row["note"] == move["note"]
    code, out, err = await run_cli(
        stack, "confidential", "reassign", str(task["id"]), "--to", "cwork23"
    )
    assert code == 0 and '"worker": "cwork23"' in out, err


async def test_a_worker_who_left_sends_the_overdue_task_to_the_marking_agents_leads(
    desk: Desk,
    moments: Moments,
    open_hours: ShiftedClock,
) -> None:
    lead = await desk.staff("clead25", "ebd", role="lead", email="clead25@agency.example")
    await desk.staff("cwork25", "family", email="cwork25@agency.example")
    await desk.staff("cwork26", "ebd")
    task, call_id = await desk.task("cagent25", "3945", details("cwork25"))
    await desk.service.confidential.service.mail_sent()
    assert (await desk.api.call("DELETE", "/api/v1/agents/cwork25"))[0] in (200, 204)

    async with live_feed(desk.base, lead) as screen:
        open_hours.set(_shift_end(moments) + timedelta(minutes=1))
        overdue = await desk.service.confidential.service.check_overdue()
        assert task["id"] in [row.id for row in overdue]
        told = await _of_task(screen, "confidential_callback_overdue", task["id"])
        assert told["worker"] == "cwork25"
    [message] = _mail(desk.maildir, f"Overdue: confidential case (task {task['id']})", call_id)
    assert "clead25@agency.example" in message["To"]
    assert "cwork25 has not called back" in message.get_content()

    path = f"/api/v1/confidential/{task['id']}"
    status, moved = await desk.api.call(
        "POST", path + "/reassign", {"worker_id": "cwork26"}, token=lead
    )
    assert status == 200 and moved["worker"] == "cwork26" and moved["escalated_at"] is None
