"""Confidential cases on real calls (a caller through the queue to a SIPp agent): marked through
the API and by the agent's phone code, due inside the assigned worker's shift within 24 hours,
told to the worker and their unit's leads (live, and by e-mail through the sandbox's real SMTP
server, with the standard's four fields and never an SSN), worked (attempts, done), escalated
to the leads once when overdue (the injected clock moved past the due time), and seen only by
the worker, their unit's leads and supervisors and the admin, every look audited."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import asyncpg

from ccc_telephony.app import Service
from ccc_telephony.devstack.stack import Stack
from ccc_telephony.live.feed import Audience
from tests.integration.agents.conftest import Api
from tests.integration.confidential.conftest import CASE, details, unit_leads
from tests.integration.support.cli import run_cli
from tests.integration.support.clock import Moments, ShiftedClock
from tests.integration.support.live import live_feed
from tests.integration.support.mail import received
from tests.integration.support.recorder import EventRecorder
from tests.integration.support.steps import Callers
from tests.sipp import CallHandling

SSN = "212345678"
TRANSFERS = CallHandling(transfers=True)
SSN_SHAPE = re.compile(r"(?<![0-9])[0-9]{3}[- ]?[0-9]{2}[- ]?[0-9]{4}(?![0-9])")
Staff = Callable[..., Awaitable[str]]
TokenOf = Callable[[str], Awaitable[str]]


def _mail(maildir: Path, subject: str, call_id: str) -> list[EmailMessage]:
    """This call's messages: task ids start again with each session's fresh database, while
    the mail catcher's Maildir keeps earlier sessions' messages."""
    return [m for m in received(maildir, subject) if call_id in m.get_content()]


def _shift_end(moments: Moments) -> datetime:
    """The default shift's end on the test Tuesday: the day after is the test policy's
    holiday, so Tuesday's shift is all there is within 24 hours."""
    return moments.open.replace(hour=16, minute=30)


async def test_a_case_marked_through_the_api_is_due_inside_the_shift_and_told(
    phones: Callable[..., Any],
    staff: Staff,
    token_of: TokenOf,
    api: Api,
    callers: Callers,
    recorder: EventRecorder,
    service: Service,
    moments: Moments,
    maildir: Path,
    base: str,
    open_hours: ShiftedClock,
) -> None:
    lead = await staff("clead1", "ebd", role="lead", email="clead1@agency.example")
    other = await staff("clead2", "family", role="lead", email="clead2@agency.example")
    worker = await staff("cwork1", "ebd", email="cwork1@agency.example")
    agent = await phones("cagent1", "3921", "ebd")
    mine = await token_of("cagent1")
    path = "/api/v1/agents/cagent1/call/confidential"
    async with (
        live_feed(base, worker) as worker_screen,
        live_feed(base, lead) as lead_screen,
        live_feed(base, other) as other_screen,
    ):
        call = await callers.with_agent("11" + CASE + "#", agent)
        for ssn in (SSN, "212-34-5678"):
            status, reply = await api.call(
                "POST", path, {**details("cwork1"), "case_number": ssn}, token=mine
            )
            assert status == 422 and "Social Security" in reply["detail"], reply
        status, task = await api.call("POST", path, details("cwork1"), token=mine)
        assert status == 201 and task["notified"] is True, task
        assert "caller_name" not in task  # told now: the worker's and their unit's
        assert datetime.fromisoformat(task["due_at"]) == _shift_end(moments)

        for screen in (worker_screen, lead_screen):
            told = await screen.next_of("confidential_callback_owed")
            assert told["task_id"] == task["id"] and told["worker"] == "cwork1"
            assert (told["caller_name"], told["case_number"]) == ("Mai Vang", CASE)
            assert (told["phone"], told["best_time"]) == ("6085550123", "mornings before 11")
            assert told["due_within"] is True
        # The feed is ordered: a marker sent to the other unit's lead after the notice is the
        # first thing on their screen, so the notice did not reach them.
        service.live.publish("marker", {}, Audience.people("clead2"))
        assert (await other_screen.next())["type"] == "marker"
    marked = await recorder.wait_for(call.ivr_id, "confidential_marked")
    assert marked.details == {"task_id": task["id"], "agent": "cagent1", "by": marked.details["by"]}
    await callers.hang_up(call)

    await service.confidential.service.mail_sent()
    [message] = _mail(maildir, f"(task {task['id']})", call.ivr_id)
    assert message["To"] == "cwork1@agency.example, clead1@agency.example"
    body = message.get_content()
    for line in (
        "Name: Mai Vang",
        f"Case number: {CASE}",
        "Phone: 608-555-0123",
        "Best time to call: mornings before 11",
    ):
        assert line in body, body
    assert "Cwork1 (cwork1)" in body
    assert not SSN_SHAPE.search((body + str(message["Subject"])).replace(call.ivr_id, " "))
    assert SSN not in str(message)

    status, shown = await api.call("GET", f"/api/v1/confidential/{task['id']}", token=worker)
    assert status == 200 and shown["state"] == "owed" and shown["attempts"] == 0, shown
    assert shown["emailed_to"] == ["cwork1@agency.example", "clead1@agency.example"]
    # Every lead of the worker's unit (other tests' leads of the team too), clead1 among them.
    assert shown["notified"] == ["cwork1", *unit_leads(service, "cwork1")]
    assert "clead1" in shown["notified"] and shown["overdue"] is False
    assert [h["action"] for h in shown["history"]] == ["created", "notified"]


async def test_the_phone_code_marks_the_case_and_the_agent_fills_in_the_rest(
    phones: Callable[..., Any],
    staff: Staff,
    token_of: TokenOf,
    api: Api,
    callers: Callers,
    recorder: EventRecorder,
    service: Service,
    maildir: Path,
    base: str,
    open_hours: ShiftedClock,
) -> None:
    await staff("clead3", "ebd", role="lead", email="clead3@agency.example")
    await staff("cwork3", "ebd", email="cwork3@agency.example")
    agent = await phones("cagent3", "3923", "ebd", handling=TRANSFERS)
    mine = await token_of("cagent3")
    async with live_feed(base, mine) as agent_screen:
        call = await callers.with_agent("11" + CASE + "#", agent)
        await agent.press("*92")
        marked = await recorder.wait_for(call.ivr_id, "confidential_marked")
        assert marked.details["by"] == "cagent3 (phone)"
        gaps = await agent_screen.next_of("confidential_callback_incomplete")
    task_id = marked.details["task_id"]
    assert (gaps["task_id"], gaps["missing"]) == (
        task_id,
        ["worker_id", "caller_name", "best_time"],
    )
    assert len(agent.state.talking) == 1  # the call goes on

    path = f"/api/v1/confidential/{task_id}"
    status, draft = await api.call("GET", path, token=mine)
    assert status == 200 and draft["source"] == "code", draft
    # What the call knew: the case number keyed in the IVR, the number the caller called from.
    assert (draft["case_number"], draft["phone"]) == (CASE, "6085551234")
    assert draft["due_at"] is None and draft["notified_at"] is None

    rest = {"worker_id": "cwork3", "caller_name": "Pao Xiong", "best_time": "after 2 pm"}
    status, reply = await api.call("PATCH", path, {**rest, "worker_id": "nobody"}, token=mine)
    assert status == 422 and "worker_id" in reply["detail"], reply
    status, reply = await api.call("PATCH", path, rest, token=mine)
    assert status == 200 and reply["notified"] is True, reply
    status, reply = await api.call("PATCH", path, {"best_time": "any time"}, token=mine)
    assert status == 403, reply  # the worker's now, not the marking agent's
    status, reply = await api.call("GET", path, token=mine)
    assert status == 403, reply
    await callers.hang_up(call)

    await service.confidential.service.mail_sent()
    [message] = _mail(maildir, f"(task {task_id})", call.ivr_id)
    assert message["To"] == "cwork3@agency.example, clead3@agency.example"
    assert "Name: Pao Xiong" in message.get_content()
    assert "Phone: 608-555-1234" in message.get_content()


async def test_an_overdue_task_goes_to_the_leads_once(
    phones: Callable[..., Any],
    staff: Staff,
    token_of: TokenOf,
    api: Api,
    callers: Callers,
    service: Service,
    moments: Moments,
    maildir: Path,
    base: str,
    open_hours: ShiftedClock,
) -> None:
    lead = await staff("clead5", "family", role="lead", email="clead5@agency.example")
    worker = await staff("cwork5", "family", email="cwork5@agency.example")
    agent = await phones("cagent5", "3925", "family")
    call = await callers.with_agent("12" + CASE + "#", agent)
    status, task = await api.call(
        "POST",
        "/api/v1/agents/cagent5/call/confidential",
        details("cwork5"),
        token=await token_of("cagent5"),
    )
    assert status == 201, task
    await callers.hang_up(call)
    await service.confidential.service.mail_sent()
    path = f"/api/v1/confidential/{task['id']}"

    await service.confidential.service.check_overdue()  # not due yet: nothing
    status, shown = await api.call("GET", path, token=lead)
    assert shown["escalated_at"] is None and shown["overdue"] is False, shown

    async with live_feed(base, lead) as lead_screen, live_feed(base, worker) as worker_screen:
        open_hours.set(_shift_end(moments) + timedelta(minutes=1))
        await service.confidential.service.check_overdue()
        told = await lead_screen.next_of("confidential_callback_overdue")
        assert (told["task_id"], told["worker"], told["attempts"]) == (task["id"], "cwork5", 0)
        await service.confidential.service.check_overdue()  # once per task
        service.live.publish("marker", {}, Audience.people("clead5", "cwork5"))
        assert (await lead_screen.next())["type"] == "marker"
        assert (await worker_screen.next())["type"] == "marker"  # the leads', not the worker's
    await service.confidential.service.mail_sent()
    [message] = _mail(maildir, f"Overdue: confidential case (task {task['id']})", call.ivr_id)
    assert message["To"] == "clead5@agency.example"
    assert "Cwork5 (cwork5) has not called back" in message.get_content()
    assert not SSN_SHAPE.search(message.get_content().replace(call.ivr_id, " "))

    status, shown = await api.call("GET", path, token=lead)
    assert shown["overdue"] is True and shown["escalated_to"] == unit_leads(service, "cwork5")
    assert "clead5" in shown["escalated_to"], shown
    status, listed = await api.call("GET", "/api/v1/confidential?overdue=true", token=lead)
    assert status == 200 and task["id"] in {t["id"] for t in listed["tasks"]}


async def test_attempts_and_done_by_whom_may_and_every_look_audited(
    stack: Stack,
    phones: Callable[..., Any],
    staff: Staff,
    token_of: TokenOf,
    api: Api,
    callers: Callers,
    service: Service,
    db: asyncpg.Connection,
    open_hours: ShiftedClock,
) -> None:
    lead = await staff("clead7", "ebd", role="lead")
    boss = await staff("csup7", "ebd", role="supervisor")
    stranger = await staff("clead8", "family", role="lead")
    colleague = await staff("cwork8", "ebd")
    worker = await staff("cwork7", "ebd")
    agent = await phones("cagent7", "3927", "ebd")
    call = await callers.with_agent("11" + CASE + "#", agent)
    status, task = await api.call(
        "POST",
        "/api/v1/agents/cagent7/call/confidential",
        details("cwork7"),
        token=await token_of("cagent7"),
    )
    assert status == 201, task
    await callers.hang_up(call)
    path = f"/api/v1/confidential/{task['id']}"

    for token in (stranger, colleague):
        status, reply = await api.call("GET", path, token=token)
        assert status == 403, reply
        status, reply = await api.call(
            "POST", path + "/attempts", {"outcome": "no_answer"}, token=token
        )
        assert status == 403, reply
        status, listed = await api.call("GET", "/api/v1/confidential", token=token)
        assert status == 200 and task["id"] not in {t["id"] for t in listed["tasks"]}
    status, reply = await api.call("GET", "/api/v1/confidential?scope=team", token=colleague)
    assert status == 403, reply
    for token in (worker, lead, boss, api.token):
        status, reply = await api.call("GET", path, token=token)
        assert status == 200 and reply["id"] == task["id"], reply
        status, listed = await api.call("GET", "/api/v1/confidential", token=token)
        assert task["id"] in {t["id"] for t in listed["tasks"]}, listed

    status, reply = await api.call(
        "POST", path + "/attempts", {"outcome": "no_answer", "note": "rang out"}, token=worker
    )
    assert status == 200 and (reply["state"], reply["attempts"]) == ("returning", 1), reply
    contact = await db.fetchrow(
        "SELECT kind, agent_id, disposition FROM contacts WHERE call_id = $1",
        f"confidential-{task['id']}-1",
    )
    assert contact is not None and tuple(contact) == ("outbound_attempt", "cwork7", "no_answer")
    status, reply = await api.call(
        "POST", path + "/attempts", {"outcome": "busy", "note": "ssn 212-34-5678"}, token=worker
    )
    assert status == 400 and "Social Security" in reply["detail"], reply

    code, out, err = await run_cli(stack, "confidential", "list", "--state", "returning")
    (line,) = [row for row in out.splitlines() if row.startswith(f"{task['id']} ")]
    assert code == 0 and "worker cwork7" in line and "attempts 1" in line, err
    code, out, err = await run_cli(stack, "confidential", "show", str(task["id"]))
    assert code == 0 and '"caller_name": "Mai Vang"' in out, err
    code, out, err = await run_cli(
        stack, "confidential", "done", str(task["id"]), "--note", "Called from the desk"
    )
    assert code == 0 and '"state": "done"' in out, err
    status, reply = await api.call("POST", path + "/attempts", {"outcome": "busy"}, token=worker)
    assert status == 409, reply

    status, shown = await api.call("GET", path, token=worker)
    history = [(h["action"], h["who"].split(" ")[0]) for h in shown["history"]]
    assert history == [
        ("created", "cagent7"),
        ("notified", "service"),
        ("attempt", "cwork7"),
        ("done", "admin"),
    ]
    looks = await db.fetch(
        "SELECT who, action, allowed FROM confidential_actions WHERE callback_id = $1",
        task["id"],
    )
    refused = {(r["who"].split(" ")[0], r["action"]) for r in looks if not r["allowed"]}
    assert {("clead8", "read"), ("cwork8", "read"), ("clead8", "attempt")} <= refused
    allowed = {(r["who"].split(" ")[0], r["action"]) for r in looks if r["allowed"]}
    assert {("cwork7", "read"), ("clead7", "read"), ("csup7", "read"), ("admin", "read")} <= (
        allowed
    )
    assert {("cwork7", "list"), ("clead7", "list"), ("admin", "list")} <= allowed
