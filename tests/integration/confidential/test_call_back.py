"""A confidential case called back through the real carrier (POST .../call-back: the phone of
whoever asks, the worker or a lead, then the caller through the sandbox's carrier): the
answered call back is the task's attempt and a contact with its wrap-up owed, like a return
call; a worker who does not answer
their own phone is noted and counts nothing; a second call back while one is under way is
refused. A task the marking agent never completes goes to the leads after the policy's
minutes, once, its e-mail waiting for an SMTP server that is away."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from ccc_telephony.app import Service
from ccc_telephony.config.returns import Returns
from ccc_telephony.mail import Mailer
from tests.integration.agents.conftest import Api
from tests.integration.confidential.conftest import CASE, details, marked_task, unit_leads
from tests.integration.confidential.test_confidential_callbacks import _mail
from tests.integration.returns.conftest import carrier
from tests.integration.support.clock import ShiftedClock
from tests.integration.support.live import live_feed
from tests.integration.support.ports import closed_tcp_port
from tests.integration.support.steps import Callers
from tests.sipp import NO_ANSWER

__all__ = ["carrier"]
Staff = Callable[..., Awaitable[str]]
TokenOf = Callable[[str], Awaitable[str]]


@pytest.mark.parametrize("asker", ["worker", "lead"])
async def test_an_answered_call_back_is_the_attempt_and_a_contact(
    phones: Callable[..., Any],
    staff: Staff,
    token_of: TokenOf,
    api: Api,
    callers: Callers,
    carrier: Callable[..., Any],
    service: Service,
    db: asyncpg.Connection,
    base: str,
    open_hours: ShiftedClock,
    asker: str,
) -> None:
    """It rings the phone of whoever asks: the worker's, or a lead's own (the attempt and the
    contact are the lead's then)."""
    stranger = await staff("clead10", "family", role="lead")
    if asker == "worker":
        await staff("clead9", "ebd", role="lead")
        caller, extra = "cwork9", {}
    else:
        await staff("cwork9", "ebd")
        caller, extra = "clead9", {"role": "lead"}
    phone = await phones(caller, "3931", "ebd", log_in=False, **extra)
    mine = await token_of(caller)
    task, _ = await marked_task(
        api, callers, phones, token_of, "cagent9", "3932", details("cwork9")
    )
    path = f"/api/v1/confidential/{task['id']}/call-back"
    assert (await api.call("POST", path, {}, token=stranger))[0] == 403

    outside = await carrier()
    async with live_feed(base, mine) as screen:
        status, reply = await api.call("POST", path, {}, token=mine)
        assert status == 202 and reply["worker"] == caller, reply
        status, reply = await api.call("POST", path, {}, token=mine)
        assert status == 409 and "under way" in reply["detail"], reply  # one at a time
        await phone.answered()
        await outside.answered()
        attempt = await screen.next_of("confidential_callback_attempt", timeout=30)
    assert (attempt["result"], attempt["state"], attempt["attempts"]) == ("answered", "done", 1)
    invite = await outside.invite()
    assert invite.startswith("INVITE sip:+16085550123@") and "<sip:6085550100@" in invite
    assert "3931" not in invite  # the main number, never the caller's extension

    contact = await db.fetchrow(
        "SELECT * FROM contacts WHERE kind = 'return_call' AND agent_id = $1 "
        "ORDER BY id DESC LIMIT 1",
        caller,
    )
    assert contact is not None and contact["started_at"] is not None and contact["due_at"] is None
    await outside.hang_up()
    await phone.ended()
    await service.returns.contacts.settled()
    due = await db.fetchval("SELECT due_at FROM contacts WHERE id = $1", contact["id"])
    assert due is not None  # its wrap-up is owed, as for an inbound call

    status, shown = await api.call("GET", f"/api/v1/confidential/{task['id']}", token=mine)
    assert status == 200 and shown["state"] == "done", shown
    (tried,) = [h for h in shown["history"] if h["action"] == "attempt"]
    assert tried["outcome"] == "answered" and tried["who"] == f"{caller} (call back)"


async def test_a_worker_who_does_not_answer_their_phone_counts_nothing(
    phones: Callable[..., Any],
    staff: Staff,
    token_of: TokenOf,
    api: Api,
    callers: Callers,
    service: Service,
    base: str,
    open_hours: ShiftedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(service.dialer, "_policy", Returns(agent_ring_seconds=5))
    await staff("clead11", "ebd", role="lead")
    worker = await phones("cwork11", "3933", "ebd", log_in=False, handling=NO_ANSWER)
    mine = await token_of("cwork11")
    task, _ = await marked_task(
        api, callers, phones, token_of, "cagent11", "3934", details("cwork11")
    )
    async with live_feed(base, mine) as screen:
        path = f"/api/v1/confidential/{task['id']}/call-back"
        assert (await api.call("POST", path, {}, token=mine))[0] == 202
        await worker.offered()
        attempt = await screen.next_of("confidential_callback_attempt", timeout=30)
    assert (attempt["result"], attempt["state"], attempt["attempts"]) == (
        "worker_not_reached",
        "owed",
        0,
    )
    status, shown = await api.call("GET", f"/api/v1/confidential/{task['id']}", token=mine)
    assert status == 200 and (shown["state"], shown["attempts"]) == ("owed", 0), shown
    assert [h["action"] for h in shown["history"]][-1] == "call_back_not_answered"


async def test_a_task_never_completed_goes_to_the_leads_once(
    phones: Callable[..., Any],
    staff: Staff,
    token_of: TokenOf,
    api: Api,
    callers: Callers,
    service: Service,
    maildir: Path,
    base: str,
    open_hours: ShiftedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lead = await staff("clead12", "ebd", role="lead", email="clead12@agency.example")
    marked = open_hours()
    task, call_id = await marked_task(
        api,
        callers,
        phones,
        token_of,
        "cagent12",
        "3935",
        {"caller_name": "Mai Vang", "case_number": CASE, "phone": "(608) 555-0123"},
    )
    assert task["missing"] == ["worker_id", "best_time"], task
    confidential = service.confidential.service
    open_hours.set(marked + timedelta(minutes=29))
    assert await confidential.check_incomplete() == []  # not yet

    outbox = service.outbox
    real = outbox._mailer
    away = service.settings.model_copy(update={"smtp_port": closed_tcp_port()})
    monkeypatch.setattr(outbox, "_mailer", Mailer(away))
    subject = f"Incomplete: confidential case (task {task['id']})"
    async with live_feed(base, lead) as screen:
        open_hours.set(marked + timedelta(minutes=31))
        [flagged] = await confidential.check_incomplete()
        assert flagged.id == task["id"] and flagged.incomplete_flagged_to == unit_leads(
            service, "cagent12"
        )
        assert "clead12" in flagged.incomplete_flagged_to
        told = await screen.next_of("confidential_callback_not_told")
        assert (told["task_id"], told["marked_by"]) == (task["id"], "cagent12")
        assert told["missing"] == ["worker_id", "best_time"]
        assert _mail(maildir, subject, call_id) == []  # the SMTP server is away

        monkeypatch.setattr(outbox, "_mailer", real)
        await confidential.check()  # the job's next run: the e-mail goes, nothing else again
        assert await confidential.check_incomplete() == []
    [message] = _mail(maildir, subject, call_id)
    assert message["To"] == "clead12@agency.example"
    body = message.get_content()
    assert "Missing: worker_id, best_time." in body and "Name: Mai Vang" in body
    assert f"Case number: {CASE}" in body and "Best time to call: (missing)" in body
