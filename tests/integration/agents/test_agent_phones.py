"""A new agent's phone endpoint appears in Asterisk from the roster, with its password kept
outside git, and goes away with the agent; calls in progress are not touched by the reload."""

from __future__ import annotations

import asyncio
import stat

from ccc_telephony.app import Service
from ccc_telephony.devstack import asterisk
from ccc_telephony.devstack.stack import Stack
from tests.integration.agents.conftest import Api
from tests.integration.support.callers import CallerLine
from tests.integration.support.clock import ShiftedClock
from tests.integration.support.steps import Callers


async def test_roster_changes_reach_pjsip_without_dropping_calls(
    stack: Stack,
    service: Service,
    api: Api,
    line: CallerLine,
    callers: Callers,
    open_hours: ShiftedClock,
) -> None:
    waiting = await callers.queued("10")  # a caller in the operator queue during the reload
    body = {"id": "neng", "name": "Neng Xiong", "extension": "3601", "team": "ebd"}
    status, _ = await api.call("POST", "/api/v1/agents", body)
    assert status == 201
    endpoint = await line.ari.request("GET", "/endpoints/PJSIP/3601")
    assert endpoint["resource"] == "3601"
    secret = service.settings.secrets_dir / "agent-phones" / "3601"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600 and len(secret.read_text().strip()) >= 16
    assert (await line.channel(waiting.ivr_id)) is not None  # still there after the reload

    status, _ = await api.call("DELETE", "/api/v1/agents/neng")
    assert status == 200
    shown = await asyncio.to_thread(
        asterisk.cli, stack.root, stack.inst, "pjsip show endpoint 3601"
    )
    assert "Unable to find" in shown, shown
    await callers.hang_up(waiting)
