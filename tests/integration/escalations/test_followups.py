"""The Help lead's follow-ups on the real service: escalation events emitted through the service
become follow-ups with their due time; the test clock passes the due time and the follow-up is
overdue; the lead answers "still researching", then resolves it with a note, and both answers
are call events; every route keeps each person to the follow-ups that concern them."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import sys
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

from ccc_telephony.app import Service
from ccc_telephony.devstack.stack import Stack
from tests.integration.agents.conftest import Api
from tests.integration.escalations.conftest import Staff
from tests.integration.support.clock import ShiftedClock

CLI = Path(sys.executable).with_name("ccc-telephony")


def _ids(body: dict[str, Any]) -> list[str]:
    return [row["id"] for row in body["escalations"]]


def _unique(name: str) -> str:
    return f"{name}-{secrets.token_hex(3)}"


async def _escalate(
    service: Service, agent: str, *, lead: str | None = None, returned: str | None = None
) -> tuple[str, str]:
    """An escalation as the call routing emits it; (call id, escalation id) once written."""
    call_id, escalation_id = f"esc-{secrets.token_hex(6)}", str(uuid.uuid4())
    service.emit(
        call_id,
        "escalated",
        {
            "escalation_id": escalation_id,
            "agent": agent,
            "target": "help",
            "reason": "caller_request",
            "from_lead": None,
        },
    )
    if lead is not None:
        service.emit(call_id, "escalation_answered", {"escalation_id": escalation_id, "lead": lead})
    if returned is not None:
        service.emit(
            call_id, "escalation_returned", {"escalation_id": escalation_id, "why": returned}
        )
    await service.writer.wait_idle()
    return call_id, escalation_id


async def test_the_lead_follows_up_an_escalation_before_and_after_its_due_time(
    service: Service, api: Api, staff: Staff, clock: ShiftedClock, db: asyncpg.Connection
) -> None:
    maria, lena = _unique("maria"), _unique("lena")
    lena_token = await staff(lena, "family", role="lead")
    await staff(maria, "family")
    escalated_at = clock()
    call_id, escalation_id = await _escalate(service, maria, lead=lena)
    path = f"/api/v1/escalations/{escalation_id}"

    status, body = await api.call("GET", "/api/v1/escalations?status=open", token=lena_token)
    assert status == 200 and escalation_id in _ids(body), body
    (row,) = [r for r in body["escalations"] if r["id"] == escalation_id]
    assert (row["agent"], row["lead"], row["status"], row["overdue"]) == (
        maria,
        lena,
        "open",
        False,
    )
    assert row["call_id"] == call_id and row["reason"] == "caller_request"
    due = datetime.fromisoformat(row["due_at"])
    created = datetime.fromisoformat(row["created_at"])
    assert due - created == timedelta(hours=24)
    assert abs((created - escalated_at).total_seconds()) < 5  # the service's clock, not the DB's

    clock.set(due + timedelta(minutes=1))
    status, body = await api.call("GET", "/api/v1/escalations?status=overdue", token=lena_token)
    assert status == 200 and escalation_id in _ids(body)
    status, body = await api.call("GET", path, token=lena_token)
    assert (status, body["overdue"]) == (200, True)

    status, body = await api.call(
        "PUT", path, {"status": "researching", "note": "Asked the state desk."}, token=lena_token
    )
    assert status == 200, body
    assert (body["status"], body["overdue"], body["updated_by"]) == ("researching", False, lena)
    status, body = await api.call("GET", "/api/v1/escalations?status=overdue", token=lena_token)
    assert escalation_id not in _ids(body)  # "still researching" answers the worker

    for bad, words in (
        ({"status": "resolved"}, "note: required to resolve"),
        ({"status": "resolved", "note": "   "}, "note: required to resolve"),
        ({"status": "resolved", "note": "x" * 1001}, "at most 1000 characters"),
        ({"status": "resolved", "note": "SSN 123-45-6789"}, "Social Security number"),
        ({"status": "closed", "note": "done"}, "status"),
        ({"status": "resolved", "note": "done", "by": "me"}, "by"),
    ):
        status, body = await api.call("PUT", path, bad, token=lena_token)
        assert status == 400 and words in body["detail"], (bad, body)

    status, body = await api.call(
        "PUT", path, {"status": "resolved", "note": "Notice re-sent; told Maria."}, token=lena_token
    )
    assert status == 200, body
    assert (body["status"], body["note"], body["updated_by"]) == (
        "resolved",
        "Notice re-sent; told Maria.",
        lena,
    )
    assert abs((datetime.fromisoformat(body["resolved_at"]) - clock()).total_seconds()) < 5
    status, body = await api.call(
        "PUT", path, {"status": "resolved", "note": "again"}, token=lena_token
    )
    assert status == 409 and "already resolved" in body["detail"]

    await service.writer.wait_idle()
    events = await db.fetch(
        "SELECT name, details FROM call_events WHERE call_id = $1 ORDER BY id", call_id
    )
    assert [e["name"] for e in events] == [
        "escalated",
        "escalation_answered",
        "followup_researching",
        "followup_resolved",
    ]
    assert json.loads(events[-1]["details"]) == {
        "escalation_id": escalation_id,
        "by": lena,
        "agent": maria,
        "lead": lena,
        "note": "Notice re-sent; told Maria.",
    }
    assert json.loads(events[-2]["details"])["note"] == "Asked the state desk."


async def test_each_person_sees_and_answers_only_the_follow_ups_that_concern_them(
    service: Service, api: Api, staff: Staff, clock: ShiftedClock
) -> None:
    maria, lena, tom, sam, kim = (_unique(n) for n in ("maria", "lena", "tom", "sam", "kim"))
    maria_token = await staff(maria, "family")
    lena_token = await staff(lena, "family", role="lead")
    tom_token = await staff(tom, "ebd")
    sam_token = await staff(sam, "ebd", role="supervisor")
    kim_token = await staff(kim, "ebd", role="lead")
    _, escalation_id = await _escalate(service, maria, lead=kim)  # an EBD lead took it
    path = f"/api/v1/escalations/{escalation_id}"
    note = {"status": "researching", "note": "looking"}

    # An unrelated worker: absent from lists, 403 on the follow-up itself.
    status, body = await api.call("GET", "/api/v1/escalations", token=tom_token)
    assert status == 200 and escalation_id not in _ids(body)
    status, body = await api.call("GET", f"/api/v1/escalations?agent={maria}", token=tom_token)
    assert status == 200 and body["escalations"] == []
    for method, payload in (("GET", None), ("PUT", note)):
        status, body = await api.call(method, path, payload, token=tom_token)
        assert status == 403, body
    # A supervisor of another team, not Maria's: the same.
    status, body = await api.call("GET", path, token=sam_token)
    assert status == 403

    # Maria sees her own escalation but does not answer it.
    status, body = await api.call("GET", "/api/v1/escalations", token=maria_token)
    assert status == 200 and escalation_id in _ids(body)
    status, body = await api.call("PUT", path, note, token=maria_token)
    assert status == 403

    # Lena leads Maria's team; Kim answered the consultation: both see it and answer it.
    for token in (lena_token, kim_token):
        status, body = await api.call("GET", f"/api/v1/escalations?agent={maria}", token=token)
        assert status == 200 and _ids(body) == [escalation_id]
        status, body = await api.call("PUT", path, note, token=token)
        assert status == 200, body
    status, body = await api.call("GET", f"/api/v1/escalations?lead={kim}", token=kim_token)
    assert _ids(body) == [escalation_id]

    # The admin sees everything; bad filters and ids are clear errors, never a 500.
    status, body = await api.call("GET", f"/api/v1/escalations?agent={maria}")
    assert status == 200 and _ids(body) == [escalation_id]
    for query, words in (
        ("status=late", "status: one of"),
        ("agent=Not%20An%20Id", "agent: not an agent id"),
        ("lead=" + "x" * 40, "lead: not an agent id"),
        ("limit=0", "limit"),
    ):
        status, body = await api.call("GET", f"/api/v1/escalations?{query}")
        assert status == 400 and words in body["detail"], (query, body)
    for bad_id in ("not-a-uuid", str(uuid.uuid4())):
        status, body = await api.call("GET", f"/api/v1/escalations/{bad_id}")
        assert (status, body["error"]) == (404, "no such escalation")


async def test_a_caller_returned_before_any_lead_answered_is_owed_no_follow_up(
    service: Service, api: Api, staff: Staff, clock: ShiftedClock
) -> None:
    maria = _unique("maria")
    await staff(maria, "family")
    _, escalation_id = await _escalate(service, maria, returned="no_lead_answered")
    path = f"/api/v1/escalations/{escalation_id}"
    status, body = await api.call("GET", path)
    assert (status, body["status"], body["returned_why"], body["lead"]) == (
        200,
        "returned",
        "no_lead_answered",
        None,
    )
    clock.set(datetime.fromisoformat(body["due_at"]) + timedelta(hours=1))
    status, body = await api.call("GET", f"/api/v1/escalations?status=overdue&agent={maria}")
    assert status == 200 and body["escalations"] == []
    status, body = await api.call("PUT", path, {"status": "resolved", "note": "n/a"})
    assert status == 409 and "before a lead answered" in body["detail"]


async def _cli(stack: Stack, *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        str(CLI),
        *args,
        env={**os.environ, **stack.env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(60):
        out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_the_cli_lists_overdue_follow_ups_and_answers_them(
    service: Service, api: Api, staff: Staff, clock: ShiftedClock, stack: Stack
) -> None:
    maria, lena = _unique("maria"), _unique("lena")
    await staff(maria, "family")
    await staff(lena, "family", role="lead")
    _, escalation_id = await _escalate(service, maria, lead=lena)
    code, out, _ = await _cli(stack, "escalations", "list", "--overdue")
    assert code == 0 and escalation_id not in out

    clock.set(clock() + timedelta(hours=25))
    code, out, err = await _cli(stack, "escalations", "list", "--overdue")
    assert code == 0, err
    (line,) = [line for line in out.splitlines() if escalation_id in line]
    assert "open OVERDUE" in line and f"agent {maria}" in line and f"lead {lena}" in line

    code, out, err = await _cli(stack, "escalations", "researching", escalation_id)
    assert code == 0, err
    code, _, err = await _cli(stack, "escalations", "resolve", escalation_id)
    assert code == 2 and "--note" in err  # argparse: the note is required
    code, out, err = await _cli(
        stack, "escalations", "resolve", escalation_id, "--note", "Answered by phone."
    )
    assert code == 0, err
    assert '"status": "resolved"' in out and '"updated_by": "admin"' in out
    code, _, err = await _cli(stack, "escalations", "resolve", escalation_id, "--note", "again")
    assert code == 1 and "already resolved" in err
    code, out, _ = await _cli(
        stack, "escalations", "list", "--status", "resolved", "--agent", maria
    )
    assert code == 0 and escalation_id in out


async def test_two_leads_resolving_at_once_resolve_it_once(
    service: Service, api: Api, staff: Staff, db: asyncpg.Connection
) -> None:
    maria, lena, kim = _unique("maria"), _unique("lena"), _unique("kim")
    await staff(maria, "family")
    tokens = [await staff(lead, "family", role="lead") for lead in (lena, kim)]
    call_id, escalation_id = await _escalate(service, maria, lead=lena)
    path = f"/api/v1/escalations/{escalation_id}"
    replies = await asyncio.gather(
        *(
            api.call("PUT", path, {"status": "resolved", "note": f"answer {n}"}, token=token)
            for n, token in enumerate(tokens)
        )
    )
    assert sorted(status for status, _ in replies) == [200, 409], replies
    await service.writer.wait_idle()
    resolved = await db.fetchval(
        "SELECT count(*) FROM call_events WHERE call_id = $1 AND name = 'followup_resolved'",
        call_id,
    )
    assert resolved == 1
