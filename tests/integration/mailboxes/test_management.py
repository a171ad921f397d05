"""Greetings kept current and an absent agent's messages reached: an uploaded greeting, flags
for a missing greeting and a passed away date (the check job's step, on the moved clock), and
a supervisor and the delegate they name listing, listening to (audited) and taking over."""

from __future__ import annotations

import io
import json
import math
import struct
import wave
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import asyncpg

from ccc_telephony.app import Service
from tests.integration.agents.conftest import Api
from tests.integration.support.clock import ShiftedClock


def spoken_wav(seconds: float = 1.5) -> bytes:
    """A WAV an agent might upload: a 440 Hz tone at 16 kHz (converted on the way in)."""
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(16000)
        frames = int(16000 * seconds)
        wav.writeframes(
            b"".join(
                struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * n / 16000)))
                for n in range(frames)
            )
        )
    return out.getvalue()


async def supervisor_agent_and_other(phones: Callable[..., Any], n: int) -> None:
    """Supervisor ms<n>, their agent ma<n>, and md<n> of another team."""
    first = 3879 + 3 * n
    await phones(f"ms{n}", str(first), "ebd", role="supervisor", log_in=False)
    await phones(f"ma{n}", str(first + 1), "ebd", supervisor=f"ms{n}", log_in=False)
    await phones(f"md{n}", str(first + 2), "family", log_in=False)


async def test_greetings_are_uploaded_and_flags_follow_the_clock(
    service: Service,
    api: Api,
    phones: Callable[..., Any],
    db: asyncpg.Connection,
    open_hours: ShiftedClock,
) -> None:
    await phones("mf1", "3881", "ebd", log_in=False)
    await service.mailboxes.service.check_mailboxes()
    status, body = await api.call("GET", "/api/v1/mailboxes/flagged")
    assert {"mailbox": "mf1", "flag": "missing_greeting", "away_until": None} in body["flagged"]

    headers = {"Authorization": f"Bearer {api.token}"}
    url = f"{api.base}/api/v1/mailboxes/mf1/greetings/in_office"
    async with api.http.put(url, data=b"not a wav", headers=headers) as refused:
        assert refused.status == 400
    limit = service.policy.mailboxes.greeting_max_seconds
    async with api.http.put(
        url, data=io.BytesIO(spoken_wav(limit + 1)), headers=headers
    ) as too_long:
        assert too_long.status == 400 and "too long" in await too_long.text()
    async with api.http.put(url, data=spoken_wav(), headers=headers) as accepted:
        assert accepted.status == 201, await accepted.text()
        assert (await accepted.json())["greetings"]["in_office"] is True
    status, body = await api.call("GET", "/api/v1/mailboxes/flagged")
    assert all(flag["mailbox"] != "mf1" for flag in body["flagged"])

    back = open_hours() + timedelta(hours=1)
    status, body = await api.call("PUT", "/api/v1/mailboxes/mf1/away", {"until": back.isoformat()})
    assert status == 200 and body["away"] is True
    status, _ = await api.call("PUT", "/api/v1/mailboxes/mf1/away", {"until": "2020-01-01T00:00Z"})
    assert status == 400
    away_url = f"{api.base}/api/v1/mailboxes/mf1/greetings/away"
    async with api.http.put(away_url, data=spoken_wav(), headers=headers) as recorded:
        assert recorded.status == 201 and (await recorded.json())["greetings"]["away"] is True
    later = back + timedelta(days=1)
    status, body = await api.call("PUT", "/api/v1/mailboxes/mf1/away", {"until": later.isoformat()})
    assert status == 200 and body["greetings"]["away"] is False  # it said the old date
    status, body = await api.call("PUT", "/api/v1/mailboxes/mf1/away", {"until": back.isoformat()})
    refusals = await db.fetch(
        "SELECT action, details FROM mailbox_access WHERE mailbox = 'mf1' AND NOT allowed"
        " ORDER BY id"
    )
    assert [r["action"] for r in refusals] == ["greeting_uploaded"] * 2 + ["away_set"]
    assert "too long" in json.loads(refusals[1]["details"])["why"]
    open_hours.set(back + timedelta(minutes=5))
    await service.mailboxes.service.check_mailboxes()  # the check job's step
    _, body = await api.call("GET", "/api/v1/mailboxes/mf1")
    assert (body["flag"], body["away"]) == ("away_passed", False)


async def test_a_supervisor_and_their_delegate_reach_an_absent_agents_messages(
    service: Service,
    api: Api,
    phones: Callable[..., Any],
    token_for: Callable[..., Any],
    db: asyncpg.Connection,
    open_hours: ShiftedClock,
) -> None:
    await supervisor_agent_and_other(phones, 1)
    name = "mailbox-message-management-test"
    (service.settings.asterisk_recordings_dir / f"{name}.wav").write_bytes(spoken_wav())
    row = await service.messages.take(
        source="mailbox", mailbox="ma1", call_id="management-test", recording=name, language="en"
    )
    boss, stranger = await token_for("ms1"), await token_for("md1")
    messages = "/api/v1/mailboxes/ma1/messages"

    status, _ = await api.call("GET", messages, token=stranger)
    assert status == 403
    status, body = await api.call("GET", messages, token=boss)
    assert status == 200 and [m["id"] for m in body["messages"]] == [row.id]
    async with api.http.get(
        f"{api.base}{messages}/{row.id}/audio", headers={"Authorization": f"Bearer {boss}"}
    ) as audio:
        assert audio.status == 200 and (await audio.read())[:4] == b"RIFF"
        assert audio.headers["Cache-Control"] == "no-store"

    status, _ = await api.call("PUT", "/api/v1/mailboxes/ma1/delegates/md1", token=boss)
    assert status == 200
    status, body = await api.call("POST", "/api/v1/mailboxes/ma1/takeover", {}, token=stranger)
    assert status == 200 and [m["owner"] for m in body["taken"]] == ["md1"]

    audit = await db.fetch(
        "SELECT who, action, allowed FROM mailbox_access WHERE mailbox = 'ma1' ORDER BY id"
    )
    assert [(r["who"].split(" ")[0], r["action"], r["allowed"]) for r in audit] == [
        ("md1", "listed", False),
        ("ms1", "listed", True),
        ("ms1", "listened", True),
        ("ms1", "delegate_named", True),
        ("md1", "taken_over", True),
    ]
    actions = await db.fetch(
        "SELECT action FROM message_actions WHERE message_id = $1 ORDER BY id", row.id
    )
    assert [a["action"] for a in actions] == ["left", "listened", "taken_over"]


async def test_a_departed_agents_open_messages_go_to_their_supervisor(
    service: Service,
    api: Api,
    phones: Callable[..., Any],
    token_for: Callable[..., Any],
    db: asyncpg.Connection,
    open_hours: ShiftedClock,
) -> None:
    await supervisor_agent_and_other(phones, 2)
    book = service.messages
    theirs = await book.take(
        source="mailbox",
        mailbox="ma2",
        call_id="departed-1",
        recording="mailbox-departed-test-x",
        language="en",
    )
    delegated = await book.take(
        source="mailbox", mailbox="ma2", call_id="departed-2", recording="y", language="en"
    )
    await book.mark(delegated.id, who="test", action="taken_over", values={"owner": "md2"})
    status, _ = await api.call("DELETE", "/api/v1/agents/ma2")
    assert status in (200, 204)
    await service.mailboxes.service.check_mailboxes()  # the check job's step

    owners = await db.fetch(
        "SELECT id, owner FROM messages WHERE id = ANY($1::bigint[]) ORDER BY id",
        [theirs.id, delegated.id],
    )
    assert [r["owner"] for r in owners] == ["ms2", "md2"]
    handed = await db.fetchrow(
        "SELECT who, details FROM message_actions WHERE message_id = $1 AND action = 'handed_over'",
        theirs.id,
    )
    assert handed is not None and handed["who"] == "system"
    boss = await token_for("ms2")
    for row in (theirs, delegated):
        status, body = await api.call("GET", f"/api/v1/messages/{row.id}", token=boss)
        assert status == 200, body
    # The new owner hears it through the mailbox's route: heard, as by the messages' route.
    (service.settings.asterisk_recordings_dir / "mailbox-departed-test-x.wav").write_bytes(
        spoken_wav()
    )
    url = f"{api.base}/api/v1/mailboxes/ma2/messages/{theirs.id}/audio"
    async with api.http.get(url, headers={"Authorization": f"Bearer {boss}"}) as audio:
        assert audio.status == 200 and audio.headers["Cache-Control"] == "no-store"
    assert await db.fetchval("SELECT state FROM messages WHERE id = $1", theirs.id) == "heard"
