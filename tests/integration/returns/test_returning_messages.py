"""Messages returned through the real carrier, and the promises checked: the agent returns a
message from the API (the carrier sees the main number; an answered attempt, a contact with a
wrap-up owed), listens to it (audited, heard), a busy caller becomes unreachable, and a second
message not returned is flagged before its due time and is on the supervisor's end-of-day list
and e-mail (no SSN, no audio)."""

from __future__ import annotations

import asyncio
import secrets
import wave
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from ccc_telephony.app import Service
from ccc_telephony.config.returns import Returns
from ccc_telephony.devstack.stack import Stack
from ccc_telephony.store.messages import MessageRow
from tests.integration.agents.conftest import Api
from tests.integration.support.cli import run_cli
from tests.integration.support.clock import Moments, ShiftedClock
from tests.integration.support.live import live_feed
from tests.integration.support.mail import received
from tests.sipp import BUSY


async def a_message(service: Service, mailbox: str, number: str, at: datetime) -> MessageRow:
    """A message as the mailboxes feature leaves one: its WAV in Asterisk's recordings."""
    name = f"ccc-test-message-{secrets.token_hex(4)}"
    path = service.settings.asterisk_recordings_dir / f"{name}.wav"
    await asyncio.to_thread(_silence, path)
    return await service.messages.take(
        source="mailbox",
        mailbox=mailbox,
        call_id=f"call-{secrets.token_hex(6)}",
        recording=name,
        language="en",
        caller_number=number,
        duration_seconds=1.0,
        received_at=at,
    )


async def _returner(
    phones: Callable[..., Any],
    token_for: Callable[..., Any],
    service: Service,
    agent_id: str,
    extension: str,
    number: str,
    at: datetime,
    **phone: Any,
) -> tuple[Any, str, MessageRow]:
    """An agent with a phone (`phone`: its handling), their token, and a message of theirs."""
    agent = await phones(agent_id, extension, "ebd", log_in=False, **phone)
    return agent, await token_for(agent_id), await a_message(service, agent_id, number, at)


async def _ask_return(api: Api, token: str, message_id: int) -> None:
    """The agent asks for the return call from the API (202: their phone rings)."""
    status, reply = await api.call("POST", f"/api/v1/messages/{message_id}/return", {}, token=token)
    assert status == 202, reply


def _silence(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        wav.writeframes(b"\x00\x00" * 8000)


async def _row(db: asyncpg.Connection, message_id: int) -> asyncpg.Record:
    return await db.fetchrow("SELECT * FROM messages WHERE id = $1", message_id)


async def _actions(db: asyncpg.Connection, message_id: int) -> list[str]:
    rows = await db.fetch(
        "SELECT action FROM message_actions WHERE message_id = $1 ORDER BY at, id", message_id
    )
    return [r["action"] for r in rows]


async def test_a_message_returned_and_one_left_for_the_supervisors_list(
    phones: Callable[..., Any],
    staff: Callable[..., Any],
    carrier: Callable[..., Any],
    api: Api,
    token_for: Callable[..., Any],
    service: Service,
    db: asyncpg.Connection,
    clock: ShiftedClock,
    moments: Moments,
    maildir: Path,
) -> None:
    clock.set(moments.open)
    boss = await staff("rsup1", "ebd", role="supervisor", email="rsup1@ccc.example")
    agent = await phones("rret1", "3955", "ebd", supervisor="rsup1", log_in=False)
    own = await token_for("rret1")
    returned = await a_message(service, "rret1", "6085550142", moments.open)
    left = await a_message(service, "rret1", "6085550143", moments.open)
    assert left.due_at == moments.open.replace(hour=16, minute=30)

    # The owner listens: audited, and heard; their supervisor may see it, a colleague not.
    assert (await api.call("GET", f"/api/v1/messages/{returned.id}", token=boss))[0] == 200
    await phones("rother1", "3956", "family", log_in=False)
    other = await token_for("rother1")
    assert (await api.call("GET", f"/api/v1/messages/{returned.id}", token=other))[0] == 403
    url = f"{api.base}/api/v1/messages/{returned.id}/audio"
    async with api.http.get(url, headers={"Authorization": f"Bearer {own}"}) as reply:
        assert reply.status == 200 and reply.content_type == "audio/wav"
        assert (await reply.read())[:4] == b"RIFF"
    assert (await _row(db, returned.id))["state"] == "heard"

    async with live_feed(api.base, boss) as live:
        # The return call: the agent's phone, then the caller through the carrier.
        outside = await carrier()
        path = f"/api/v1/messages/{returned.id}/return"
        status, reply = await api.call("POST", path, {}, token=own)
        assert status == 202 and reply["number"] == "6085550142", reply
        await agent.answered()
        await outside.answered()
        attempt = await live.next_of("message_return_attempt", timeout=30)
        assert (attempt["id"], attempt["result"]) == (returned.id, "answered")
        row = await _row(db, returned.id)
        assert (row["state"], row["attempts"]) == ("returned", 1)
        assert await _actions(db, returned.id) == [
            "left",
            "listened",
            "heard",
            "return_started",
            "attempt",
            "returned",
        ]
        invite = await outside.invite()
        assert "<sip:6085550100@" in invite and "3955" not in invite
        contact = await db.fetchrow(
            "SELECT * FROM contacts WHERE kind = 'return_call' AND agent_id = 'rret1'"
        )
        assert contact["started_at"] is not None and contact["due_at"] is None
        await outside.hang_up()
        await agent.ended()
        await service.returns.calls.settled()
        due = await db.fetchval("SELECT due_at FROM contacts WHERE id = $1", contact["id"])
        assert due is not None  # a wrap-up is owed, as for an inbound call
        assert (await api.call("POST", path, {}, token=own))[0] == 409

        # An hour before its due time the other message is flagged, once.
        clock.set(left.due_at - timedelta(minutes=59))
        flagged = await service.returns.check.warn_due()
        assert left.id in [m.id for m in flagged]
        # (other tests' open messages of the same unit may come due in the same hour)
        soon = await live.next_of("message_due_soon")
        while soon["id"] != left.id:
            soon = await live.next_of("message_due_soon")
        assert left.id not in [m.id for m in await service.returns.check.warn_due()]

        # End of day: on the supervisor's list (API, live) and in their e-mail.
        clock.set(moments.open.replace(hour=16, minute=31))
        status, reply = await api.call("GET", "/api/v1/messages/unreturned", token=boss)
        assert status == 200
        ids = [m["id"] for m in reply["messages"]]
        assert left.id in ids and returned.id not in ids
        lists = await service.returns.check.day_check()
        mine = next(entry for entry in lists if entry.supervisor == "rsup1")
        # (Earlier tests' messages, their people gone from the roster, are every supervisor's.)
        assert mine.mailed and [m.id for m in mine.messages if m.mailbox == "rret1"] == [left.id]
        event = await live.next_of("messages_unreturned")
        assert [m["id"] for m in event["messages"] if m["mailbox"] == "rret1"] == [left.id]
    mails = received(maildir, "Messages not yet returned")
    mail = [m for m in mails if m["To"] == "rsup1@ccc.example"][-1]
    body = mail.get_content()
    assert f"#{left.id} " in body and "608-555-0143" in body and "Rret1" in body
    assert f"#{returned.id} " not in body
    assert not mail.is_multipart()  # no recording attached


async def test_a_busy_caller_is_unreachable_after_the_policys_attempts(
    phones: Callable[..., Any],
    carrier: Callable[..., Any],
    api: Api,
    token_for: Callable[..., Any],
    service: Service,
    db: asyncpg.Connection,
    open_hours: ShiftedClock,
    monkeypatch: pytest.MonkeyPatch,
    stack: Stack,
) -> None:
    calls = service.returns.calls
    policy = calls._policy.model_copy(update={"returns": Returns(max_attempts=1)})
    monkeypatch.setattr(calls, "_policy", policy)
    agent = await phones("rret2", "3957", "ebd", log_in=False)
    own = await token_for("rret2")
    message = await a_message(service, "rret2", "6085550144", open_hours())
    outside = await carrier(handling=BUSY)
    async with live_feed(api.base, own) as live:
        path = f"/api/v1/messages/{message.id}/return"
        assert (await api.call("POST", path, {}, token=own))[0] == 202
        await agent.answered()
        await outside.rejected()
        attempt = await live.next_of("message_return_attempt", timeout=30)
    assert (attempt["result"], attempt["state"]) == ("busy", "unreachable")
    assert attempt["attempts"] == 1
    failed = await db.fetchrow(
        "SELECT * FROM contacts WHERE kind = 'outbound_attempt' AND agent_id = 'rret2'"
    )
    assert failed["disposition"] == "busy" and failed["recorded_at"] is not None

    unknown = await a_message(service, "rret2", "", open_hours())
    path = f"/api/v1/messages/{unknown.id}/return"
    status, reply = await api.call("POST", path, {}, token=own)
    assert status == 422, reply  # no number to call back: no call placed
    body = {"state": "unreachable", "note": "no number left"}
    status, reply = await api.call("POST", f"/api/v1/messages/{unknown.id}/state", body, token=own)
    assert status == 200 and reply["state"] == "unreachable"
    assert (await api.call("POST", path, {}, token=own))[0] == 409

    # The same from a terminal (the admin's CLI).
    code, out, err = await run_cli(stack, "messages", "show", str(message.id))
    assert code == 0, err
    assert "unreachable" in out and "attempt" in out and "6085550144" in out
    code, out, err = await run_cli(stack, "messages", "list", "--mailbox", "rret2")
    assert code == 0 and f"#{message.id}" in out and f"#{unknown.id}" in out, err
    code, out, err = await run_cli(stack, "messages", "mark", str(message.id), "returned")
    assert code == 1 and "409" in out + err
