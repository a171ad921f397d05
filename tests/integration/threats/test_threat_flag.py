"""A threat flagged on a real call (a caller through the queue to a SIPp agent): the record,
the call event, the live event to the agent's supervisor (not to another unit's), and the
e-mail through the sandbox's real SMTP server, which holds only the call id and the case
number; then who may read and change the record, every look audited."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg

from ccc_telephony.app import Service
from ccc_telephony.devstack.stack import Stack
from ccc_telephony.live.feed import Audience
from tests.integration.agents.conftest import Api
from tests.integration.support.cli import run_cli
from tests.integration.support.clock import ShiftedClock
from tests.integration.support.live import live_feed
from tests.integration.support.mail import received
from tests.integration.support.proxy import TcpProxy
from tests.integration.support.recorder import EventRecorder
from tests.integration.support.steps import Callers
from tests.sipp import CallHandling

CASE = "4567890123"
TRANSFERS = CallHandling(transfers=True)
SSN = "212345678"
SSN_SHAPE = re.compile(r"(?<![0-9])[0-9]{3}[- ]?[0-9]{2}[- ]?[0-9]{4}(?![0-9])")


async def test_a_flag_by_api_tells_the_supervisor_at_once_live_and_by_email(
    phones: Callable[..., Any],
    staff: Callable[..., Awaitable[str]],
    token_of: Callable[[str], Awaitable[str]],
    api: Api,
    callers: Callers,
    recorder: EventRecorder,
    service: Service,
    db: asyncpg.Connection,
    maildir: Path,
    base: str,
    open_hours: ShiftedClock,
) -> None:
    boss = await staff("tsup1", "ebd", role="supervisor", email="tsup1@agency.example")
    other = await staff("tsup2", "family", role="supervisor", email="tsup2@agency.example")
    agent = await phones("tagent1", "3911", "ebd", supervisor="tsup1")
    async with live_feed(base, boss) as boss_screen, live_feed(base, other) as other_screen:
        call = await callers.with_agent("11" + CASE + "#", agent)
        answered = await boss_screen.next_of("call.answered")  # the unit's call, live
        assert (answered["call_id"], answered["agent"]) == (call.ivr_id, "tagent1")
        status, threat = await api.call(
            "POST", "/api/v1/agents/tagent1/call/threat", token=await token_of("tagent1")
        )
        assert status == 201, threat
        assert (threat["call_id"], threat["case_number"]) == (call.ivr_id, CASE)
        assert threat["supervisors"] == ["tsup1"] and threat["source"] == "api"

        told = await boss_screen.next_of("threat_flagged")
        assert (told["call_id"], told["case_number"], told["agent"]) == (
            call.ivr_id,
            CASE,
            "tagent1",
        )
        # The feed is ordered: a marker sent to the other unit's supervisor after the flag
        # is the first thing on their screen, so neither the call nor the threat reached it.
        service.live.publish("marker", {}, Audience.people("tsup2"))
        assert (await other_screen.next())["type"] == "marker"

    await service.threats.service.mail_sent()
    [message] = received(maildir, call.ivr_id)
    assert message["To"] == "tsup1@agency.example"
    body = message.get_content()
    assert call.ivr_id in body and CASE in body and "Tagent1" in body
    assert not SSN_SHAPE.search((body + str(message["Subject"])).replace(call.ivr_id, " "))

    flagged = await recorder.wait_for(call.ivr_id, "threat_flagged")
    assert flagged.details["threat_id"] == threat["id"]
    again_status, again = await api.call("POST", "/api/v1/agents/tagent1/call/threat")
    assert (again_status, again["id"]) == (200, threat["id"])  # once per agent and call
    assert "account" not in again and "decision" not in again  # names it, tells nothing
    await callers.hang_up(call)
    await service.writer.wait_idle()
    row = await db.fetchrow(
        "SELECT emailed_to, email_error FROM threats WHERE call_id = $1", call.ivr_id
    )
    assert row is not None and row["emailed_to"] == ["tsup1@agency.example"]
    assert row["email_error"] is None
    await service.threats.service.mail_sent()
    assert len(received(maildir, call.ivr_id)) == 1  # flagging again told nobody twice


async def test_the_code_on_the_agents_phone_flags_the_call_and_it_goes_on(
    phones: Callable[..., Any],
    staff: Callable[..., Awaitable[str]],
    callers: Callers,
    recorder: EventRecorder,
    service: Service,
    maildir: Path,
    base: str,
    open_hours: ShiftedClock,
) -> None:
    boss = await staff("tsup6", "ebd", role="supervisor", email="tsup6@agency.example")
    agent = await phones("tagent6", "3916", "ebd", supervisor="tsup6", handling=TRANSFERS)
    async with live_feed(base, boss) as boss_screen:
        call = await callers.with_agent("11" + CASE + "#", agent)
        await agent.press("*91")
        flagged = await recorder.wait_for(call.ivr_id, "threat_flagged")
        assert (flagged.details["source"], flagged.details["by"]) == ("code", "tagent6 (phone)")
        told = await boss_screen.next_of("threat_flagged")
        assert told["call_id"] == call.ivr_id
    assert len(agent.state.talking) == 1  # the call goes on
    await service.threats.service.mail_sent()
    [message] = received(maildir, call.ivr_id)
    assert message["To"] == "tsup6@agency.example"
    await callers.hang_up(call)


async def test_a_caller_known_by_ssn_is_never_in_the_email(
    phones: Callable[..., Any],
    staff: Callable[..., Awaitable[str]],
    api: Api,
    callers: Callers,
    service: Service,
    maildir: Path,
    open_hours: ShiftedClock,
) -> None:
    await staff("tsup3", "ebd", role="supervisor", email="tsup3@agency.example")
    agent = await phones("tagent3", "3913", "ebd", supervisor="tsup3")
    call = await callers.with_agent("11" + SSN + "#", agent)
    status, threat = await api.call("POST", "/api/v1/agents/tagent3/call/threat")
    assert status == 201 and threat["case_number"] is None, threat
    await service.threats.service.mail_sent()
    [message] = received(maildir, call.ivr_id)
    del message["X-Peer"]  # the catcher's own: the service's port, which may hold any 4 digits
    text = str(message)
    assert SSN not in text and SSN[-4:] not in text
    assert "Case number: not known" in message.get_content()
    await callers.hang_up(call)


async def test_only_the_agent_their_supervisor_and_the_admin_see_it_and_every_look_is_audited(
    stack: Stack,
    phones: Callable[..., Any],
    staff: Callable[..., Awaitable[str]],
    token_of: Callable[[str], Awaitable[str]],
    api: Api,
    callers: Callers,
    service: Service,
    db: asyncpg.Connection,
    open_hours: ShiftedClock,
) -> None:
    boss = await staff("tsup4", "ebd", role="supervisor")
    stranger = await staff("tsup5", "family", role="supervisor")
    lead = await staff("tlead4", "ebd", role="lead")
    agent = await phones("tagent4", "3914", "ebd", supervisor="tsup4")
    mine = await token_of("tagent4")
    call = await callers.with_agent("11" + CASE + "#", agent)
    status, threat = await api.call("POST", "/api/v1/agents/tagent4/call/threat", token=mine)
    assert status == 201, threat
    await callers.hang_up(call)
    path = f"/api/v1/threats/{threat['id']}"

    for token in (stranger, lead):
        status, reply = await api.call("GET", path, token=token)
        assert status == 403, reply
        status, listed = await api.call("GET", "/api/v1/threats", token=token)
        assert status == 200 and threat["id"] not in {t["id"] for t in listed["threats"]}
    for token in (mine, boss, api.token):
        status, reply = await api.call("GET", path, token=token)
        assert status == 200 and reply["id"] == threat["id"], reply

    words = "He said: I know where your office is and I will come there."
    status, reply = await api.call("PUT", path + "/account", {"account": words}, token=boss)
    assert status == 403, reply  # the words are the agent's own
    status, reply = await api.call("PUT", path + "/account", {"account": words}, token=mine)
    assert status == 200 and reply["account"] == words, reply
    status, reply = await api.call(
        "PUT", path + "/account", {"account": "ssn 212-34-5678"}, token=mine
    )
    assert status == 400 and "Social Security" in reply["detail"], reply

    decision = {"reported_to_law_enforcement": True, "notes": "Called the county sheriff."}
    status, reply = await api.call("PUT", path + "/decision", decision, token=mine)
    assert status == 403, reply
    status, reply = await api.call("PUT", path + "/decision", decision, token=boss)
    assert status == 200, reply
    assert reply["decision"]["reported_to_law_enforcement"] is True
    assert reply["decision"]["decided_by"].startswith("tsup4")
    status, reply = await api.call("PUT", path + "/account", {"account": "more"}, token=mine)
    assert status == 409, reply  # closed once decided
    code, out, err = await run_cli(stack, "threats", "list")
    (shown,) = [line for line in out.splitlines() if threat["id"] in line]
    assert code == 0 and f"call {call.ivr_id}" in shown and "reported (tsup4" in shown, err

    looks = await db.fetch(
        "SELECT who, action, allowed FROM threat_access WHERE threat_id = $1 ORDER BY id",
        UUID(threat["id"]),
    )
    refused = {(r["who"].split(" ")[0], r["action"]) for r in looks if not r["allowed"]}
    assert {("tsup5", "read"), ("tlead4", "read"), ("tsup4", "account")} <= refused
    assert ("tagent4", "decide") in refused
    allowed = {(r["who"].split(" ")[0], r["action"]) for r in looks if r["allowed"]}
    assert {("tagent4", "read"), ("tsup4", "read"), ("admin", "read")} <= allowed
    listed = {(r["who"].split(" ")[0], r["action"]) for r in looks}
    assert ("tsup5", "list") not in listed  # a listing is audited per threat it showed


async def test_with_the_database_down_the_supervisor_is_still_told_and_the_record_follows(
    phones: Callable[..., Any],
    staff: Callable[..., Awaitable[str]],
    api: Api,
    callers: Callers,
    service: Service,
    db: asyncpg.Connection,
    db_proxy: TcpProxy,
    maildir: Path,
    base: str,
    open_hours: ShiftedClock,
) -> None:
    boss = await staff("tsup7", "ebd", role="supervisor", email="tsup7@agency.example")
    agent = await phones("tagent7", "3917", "ebd", supervisor="tsup7")
    async with live_feed(base, boss) as boss_screen:
        call = await callers.with_agent("11" + CASE + "#", agent)
        await service.writer.wait_idle()
        await db_proxy.cut()
        status, reply = await api.call("POST", "/api/v1/agents/tagent7/call/threat")
        assert status == 503 and reply["error"] == "not recorded", reply
        told = await boss_screen.next_of("threat_flagged")
        assert (told["call_id"], told["case_number"]) == (call.ivr_id, CASE)  # from the channel
    await service.threats.service.mail_sent()
    [message] = received(maildir, call.ivr_id)
    assert message["To"] == "tsup7@agency.example"
    db_proxy.restore()
    async with asyncio.timeout(60):
        await service.writer.wait_idle()
    row = await db.fetchrow(
        "SELECT id, case_number, supervisor_ids FROM threats WHERE call_id = $1", call.ivr_id
    )
    assert row is not None and str(row["id"]) == told["threat_id"]
    assert (row["case_number"], row["supervisor_ids"]) == (CASE, ["tsup7"])
    await callers.hang_up(call)
