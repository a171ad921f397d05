"""The promise checks hold through what goes wrong: the day's list goes once per supervisor and
day even when the service restarts after the check's time, its e-mail is retried while the
SMTP server is away (and the live event is not repeated), the pre-due flag goes once; and a
return call whose agent does not answer their own phone is recorded and puts the message back,
while a second return call of a message under way is refused."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from ccc_telephony.app import Service
from ccc_telephony.config.returns import Returns
from ccc_telephony.live.feed import Audience
from ccc_telephony.mail import Mailer
from ccc_telephony.returns.checks import DayCheck
from tests.integration.agents.conftest import Api
from tests.integration.returns.test_returning_messages import (
    _actions,
    _ask_return,
    _returner,
    _row,
    a_message,
)
from tests.integration.support.clock import Moments, ShiftedClock
from tests.integration.support.live import live_feed
from tests.integration.support.mail import received
from tests.integration.support.ports import closed_tcp_port
from tests.sipp import NO_ANSWER


def _restarted(service: Service) -> DayCheck:
    """The day's check as a service started again would have it: nothing in memory."""
    feature = service.returns
    return DayCheck(
        book=service.messages,
        policy=service.policy,
        roster=lambda: service.agents.agents.roster,
        publish=service.live.publish,
        outbox=feature.check._outbox,
    )


def _mine(maildir: Path, to: str) -> list[Any]:
    return [m for m in received(maildir, "Messages not yet returned") if m["To"] == to]


async def test_the_days_list_goes_once_and_its_email_waits_for_the_smtp_server(
    phones: Callable[..., Any],
    staff: Callable[..., Any],
    service: Service,
    db: asyncpg.Connection,
    clock: ShiftedClock,
    moments: Moments,
    maildir: Path,
    api: Api,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock.set(moments.open)
    address = "rsup3@ccc.example"
    boss = await staff("rsup3", "ebd", role="supervisor", email=address)
    await phones("rret5", "3961", "ebd", supervisor="rsup3", log_in=False)
    left = await a_message(service, "rret5", "6085550145", moments.open)
    before = len(_mine(maildir, address))
    outbox = service.returns.check._outbox

    # An hour before its due time: flagged once, and not again after a restart.
    clock.set(left.due_at - timedelta(minutes=30))
    assert left.id in [m.id for m in await service.returns.check.warn_due()]
    assert left.id not in [m.id for m in await _restarted(service).warn_due()]
    assert (await _actions(db, left.id)).count("warned") == 1

    clock.set(moments.open.replace(hour=16, minute=31))
    real = outbox._mailer
    monkeypatch.setattr(
        outbox,
        "_mailer",
        Mailer(service.settings.model_copy(update={"smtp_port": closed_tcp_port()})),
    )
    async with live_feed(api.base, boss) as live:
        lists = await service.returns.check.day_check()
        mine = next(entry for entry in lists if entry.supervisor == "rsup3")
        assert not mine.mailed and left.id in [m.id for m in mine.messages]
        event = await live.next_of("messages_unreturned")
        assert left.id in [m["id"] for m in event["messages"]]
        key = f"{moments.open.date().isoformat()}:rsup3"
        row = await db.fetchrow("SELECT * FROM mail_outbox WHERE key = $1", key)
        assert row["sent_at"] is None and row["given_up_at"] is None and row["tries"] == 1
        assert "ConnectionRefused" in row["last_error"] or "connect" in row["last_error"].lower()

        # The service restarts after the check's time, the SMTP server is back: the e-mail
        # goes at the job's next run, and no second list (nor live event) is made.
        monkeypatch.setattr(outbox, "_mailer", real)
        await _restarted(service).step()
        row = await db.fetchrow("SELECT * FROM mail_outbox WHERE key = $1", key)
        assert row["sent_at"] is not None and row["tries"] == 2
        assert [m.supervisor for m in await _restarted(service).day_check()] == []
        service.live.publish("marker", {}, Audience.people("rsup3"))
        assert (await live.next())["type"] == "marker"
    mails = _mine(maildir, address)
    assert len(mails) == before + 1
    assert f"#{left.id}" in mails[-1].get_content()


async def test_an_agent_who_does_not_answer_leaves_the_message_as_it_was(
    phones: Callable[..., Any],
    api: Api,
    token_for: Callable[..., Any],
    service: Service,
    db: asyncpg.Connection,
    open_hours: ShiftedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(service.dialer, "_policy", Returns(agent_ring_seconds=5))
    agent = await phones("rret6", "3962", "ebd", log_in=False, handling=NO_ANSWER)
    own = await token_for("rret6")
    message = await a_message(service, "rret6", "6085550146", open_hours())
    path = f"/api/v1/messages/{message.id}/return"
    async with live_feed(api.base, own) as live:
        assert (await api.call("POST", path, {}, token=own))[0] == 202
        # One at a time: a second return call while the agent's phone rings is refused.
        status, reply = await api.call("POST", path, {}, token=own)
        assert status == 409 and "under way" in reply["detail"], reply
        assert (await _row(db, message.id))["state"] == "returning"
        await agent.offered()
        attempt = await live.next_of("message_return_attempt", timeout=30)
        # Not stuck: it can be returned again at once (and is put back again).
        assert (await api.call("POST", path, {}, token=own))[0] == 202
        again = await live.next_of("message_return_attempt", timeout=30)
        assert (again["result"], again["state"]) == ("agent_not_reached", "new")
    assert (attempt["result"], attempt["state"], attempt["attempts"]) == (
        "agent_not_reached",
        "new",
        0,
    )
    row = await _row(db, message.id)
    assert (row["state"], row["attempts"]) == ("new", 0)
    assert await _actions(db, message.id) == ["left", *["return_started", "attempt"] * 2]
    results = await db.fetch(
        "SELECT details->>'result' AS result FROM message_actions"
        " WHERE message_id = $1 AND action = 'attempt'",
        message.id,
    )
    assert [r["result"] for r in results] == ["agent_not_reached"] * 2
    assert await db.fetchval("SELECT count(*) FROM contacts WHERE agent_id = 'rret6'") == 0


async def test_an_agent_hanging_up_while_the_caller_rings_is_no_attempt_on_the_caller(
    phones: Callable[..., Any],
    carrier: Callable[..., Any],
    api: Api,
    token_for: Callable[..., Any],
    service: Service,
    db: asyncpg.Connection,
    open_hours: ShiftedClock,
) -> None:
    agent, own, message = await _returner(
        phones, token_for, service, "rret7", "3963", "6085550147", open_hours()
    )
    outside = await carrier(handling=NO_ANSWER)
    async with live_feed(api.base, own) as live:
        await _ask_return(api, own, message.id)
        await agent.answered()
        await outside.offered()
        await agent.hang_up()
        attempt = await live.next_of("message_return_attempt", timeout=30)
    assert (attempt["result"], attempt["state"], attempt["attempts"]) == ("agent_hung_up", "new", 0)
    assert await _actions(db, message.id) == ["left", "return_started", "attempt"]
    assert await db.fetchval("SELECT count(*) FROM contacts WHERE agent_id = 'rret7'") == 0


async def test_a_return_call_cut_off_by_a_restart_is_put_back_at_start_up(
    phones: Callable[..., Any],
    api: Api,
    token_for: Callable[..., Any],
    service: Service,
    db: asyncpg.Connection,
    open_hours: ShiftedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # What a restart during a return call leaves: `returning`, its start recorded, no attempt.
    cut_off = await a_message(service, "rret8", "6085550148", open_hours())
    await service.messages.mark(
        cut_off.id,
        who="rret8",
        action="return_started",
        state="returning",
        details={"agent": "rret8", "from": "new"},
    )
    # And one whose return call is under way in this process: left alone.
    monkeypatch.setattr(service.dialer, "_policy", Returns(agent_ring_seconds=5))
    _, own, ringing = await _returner(
        phones, token_for, service, "rret8", "3964", "6085550149", open_hours(), handling=NO_ANSWER
    )
    async with live_feed(api.base, own) as live:
        await _ask_return(api, own, ringing.id)
        put_back = await service.returns.calls.recover()
        assert [m.id for m in put_back if m.mailbox == "rret8"] == [cut_off.id]
        assert (await _row(db, ringing.id))["state"] == "returning"
        await live.next_of("message_return_attempt", timeout=30)
    row = await _row(db, cut_off.id)
    assert (row["state"], row["attempts"]) == ("new", 0)
    assert await _actions(db, cut_off.id) == ["left", "return_started", "return_interrupted"]
    assert await service.returns.calls.recover() == []  # once


async def test_an_agent_phone_asterisk_cannot_ring_never_leaves_the_message_returning(
    staff: Callable[..., Any],
    api: Api,
    service: Service,
    db: asyncpg.Connection,
    open_hours: ShiftedClock,
) -> None:
    """The `returning` mark comes before the dial; a call Asterisk refuses at once (measured:
    ARI's originate to a PJSIP endpoint with no contact answers 500) puts the message back,
    recorded as an attempt that was not placed."""
    own = await staff("rret9", "ebd")  # on the roster, no phone registered
    message = await a_message(service, "rret9", "6085550150", open_hours())
    status, reply = await api.call("POST", f"/api/v1/messages/{message.id}/return", {}, token=own)
    assert status == 502 and "could not be rung" in reply["detail"], reply
    row = await _row(db, message.id)
    assert (row["state"], row["attempts"]) == ("new", 0)
    assert await _actions(db, message.id) == ["left", "return_started", "attempt"]
    result = await db.fetchval(
        "SELECT details->>'result' FROM message_actions"
        " WHERE message_id = $1 AND action = 'attempt'",
        message.id,
    )
    assert result == "not_placed"
