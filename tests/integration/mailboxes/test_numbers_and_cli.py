"""The direct numbers are exactly the prefix and an extension's digits (a ten-digit number
that starts with 8 is an outside number, vetted as any an agent dials); a flag reaches the
agent's supervisor on the live feed; an admin manages mailboxes from the CLI, and a departed
agent's recorded greeting, kept by the admin, is what their callers hear."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg

from ccc_telephony.app import Service
from ccc_telephony.devstack.stack import Stack
from tests.integration.agents.conftest import Api
from tests.integration.mailboxes.test_leaving_messages import caller_at
from tests.integration.mailboxes.test_management import spoken_wav
from tests.integration.support.cli import run_cli
from tests.integration.support.clock import ShiftedClock
from tests.integration.support.live import LiveClient, live_feed
from tests.integration.support.ports import free_udp_port
from tests.integration.support.recorder import EventRecorder, event_where
from tests.sipp import SipPhone

OTHER_CONSORTIUM = "8885550104"  # East Central's toll-free number, keyed without the 9


def _dial(phone: SipPhone, number: str) -> Any:
    return phone.dial(number, local_port=free_udp_port(), media_port=free_udp_port(even=True))


async def test_a_ten_digit_number_starting_with_8_is_dialled_not_a_mailbox(
    phones: Callable[..., Any], recorder: EventRecorder, open_hours: ShiftedClock
) -> None:
    agent = await phones("mn1", "3895", "ebd", log_in=False)
    await phones("mn2", "3896", "family", log_in=False)
    async with _dial(agent, OTHER_CONSORTIUM) as call:
        blocked = await event_where(recorder, "transfer_blocked", from_agent="mn1")
        assert (blocked.details["target"], blocked.details["path"]) == (
            OTHER_CONSORTIUM,
            "dialled",
        )
        assert await call.ended() == "far"  # told why, then hung up
    assert "mailbox_reached" not in recorder.names(blocked.call_id)
    # 8 and a colleague's four digits: their mailbox, from a staff phone too.
    async with _dial(agent, "83896") as call:
        reached = await event_where(recorder, "mailbox_reached", mailbox="mn2")
        assert reached.details["greeting"] == "in_office"


async def _flag_of(live: LiveClient, mailbox: str) -> dict[str, Any]:
    """The next `mailbox_flagged` of this mailbox (others' may come first)."""
    while True:
        event = await live.next_of("mailbox_flagged", timeout=20)
        if event["mailbox"] == mailbox:
            return event


async def test_the_supervisor_is_told_of_a_flag_on_the_live_feed(
    service: Service,
    api: Api,
    phones: Callable[..., Any],
    token_for: Callable[..., Any],
    open_hours: ShiftedClock,
) -> None:
    await phones("mfs1", "3897", "ebd", role="supervisor", log_in=False)
    async with live_feed(api.base, await token_for("mfs1")) as live:
        await phones("mfa1", "3898", "ebd", supervisor="mfs1", log_in=False)
        await service.mailboxes.service.check_mailboxes()  # the check job's step
        missing = await _flag_of(live, "mfa1")
        assert (missing["flag"], missing["away_until"]) == ("missing_greeting", None)
        back = open_hours() + timedelta(hours=1)
        status, _ = await api.call(
            "PUT", "/api/v1/mailboxes/mfa1/away", {"until": back.isoformat()}
        )
        assert status == 200
        open_hours.set(back + timedelta(minutes=1))
        await service.mailboxes.service.check_mailboxes()
        passed = await _flag_of(live, "mfa1")
        assert passed["flag"] == "away_passed"
        assert passed["away_until"] == back.isoformat()


async def test_an_admin_manages_mailboxes_from_the_cli(
    service: Service,
    stack: Stack,
    api: Api,
    phones: Callable[..., Any],
    recorder: EventRecorder,
    db: asyncpg.Connection,
    open_hours: ShiftedClock,
    token_for: Callable[..., Any],
    tmp_path: Path,
) -> None:
    await phones("mcs1", "3861", "ebd", role="supervisor", log_in=False)
    supervisor = await token_for("mcs1")
    await phones("mca1", "3862", "ebd", supervisor="mcs1", log_in=False)
    await phones("mcd1", "3863", "ebd", log_in=False)

    code, out, err = await run_cli(stack, "mailboxes", "list")
    assert code == 0, err
    line = next(row for row in out.splitlines() if row.startswith("mca1 "))
    assert "83862  active  greetings none (spoken)  in office  flag missing_greeting" in line
    code, out, _ = await run_cli(stack, "mailboxes", "flagged")
    assert code == 0 and "mca1  missing_greeting" in out.splitlines()

    until = (open_hours() + timedelta(days=1)).isoformat()
    code, out, err = await run_cli(stack, "mailboxes", "away", "mca1", "--until", until)
    assert code == 0 and f"away until {until}" in out, err
    code, out, _ = await run_cli(stack, "mailboxes", "away", "mca1", "--until", "yesterday")
    assert code == 1
    code, out, err = await run_cli(stack, "mailboxes", "away", "mca1", "--back")
    assert code == 0 and "in office" in out, err
    code, out, err = await run_cli(stack, "mailboxes", "delegate", "mca1", "mcd1")
    assert code == 0 and "delegates mcd1" in out, err
    code, out, err = await run_cli(stack, "mailboxes", "delegate", "mca1", "mcd1", "--remove")
    assert code == 0 and "delegates -" in out, err

    # A departed agent's recorded greeting, kept by the admin: their callers still hear it.
    headers = {"Authorization": f"Bearer {api.token}"}
    url = f"{api.base}/api/v1/mailboxes/mca1/greetings/in_office"
    async with api.http.put(url, data=spoken_wav(), headers=headers) as uploaded:
        assert uploaded.status == 201
    code, out, err = await run_cli(stack, "mailboxes", "disconnect", "mca1")
    assert code == 1 and "in the roster" in err  # still an agent: not yet
    status, _ = await api.call(
        "PUT", "/api/v1/mailboxes/mca1/keep-greeting", {"keep": True}, token=supervisor
    )
    assert status == 403  # the admin's, like the disconnection
    code, out, err = await run_cli(stack, "mailboxes", "keep-greeting", "mca1", "yes")
    assert code == 0, err
    status, _ = await api.call("DELETE", "/api/v1/agents/mca1")
    assert status in (200, 204)
    recorded = await db.fetchval("SELECT greeting_in_office FROM mailboxes WHERE agent_id = 'mca1'")
    async with caller_at(stack, recorder, tmp_path, "83862", "Caller of mca1") as (_, call_id):
        played = await recorder.wait_for(call_id, "mailbox_greeting_played", timeout=30)
    assert (played.details["greeting"], played.details["source"]) == ("departed", "recorded")
    assert played.details["recording"] == recorded

    code, out, err = await run_cli(stack, "mailboxes", "disconnect", "mca1")
    assert code == 0 and "disconnected" in out, err
    actions = await db.fetch(
        "SELECT who, action FROM mailbox_access WHERE mailbox = 'mca1' ORDER BY id"
    )
    assert ("admin", "greeting_kept") in [(r["who"], r["action"]) for r in actions]
    assert ("admin", "disconnected") in [(r["who"], r["action"]) for r in actions]
