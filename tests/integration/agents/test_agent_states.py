"""Log in, states with reasons, the coverage guard, protected time and a restart, on the real
Asterisk and PostgreSQL (no phones needed: app_queue shows membership and pauses)."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import asyncpg

from ccc_telephony.app import Service
from tests.integration.agents.conftest import Api, member_line
from tests.integration.support.clock import CHICAGO, Moments, ShiftedClock
from tests.integration.support.recorder import EventRecorder
from tests.integration.support.service import ServiceRunner
from tests.integration.support.steps import Callers


def _agent(agent_id: str, extension: str, **extra: Any) -> dict[str, Any]:
    return {"id": agent_id, "name": agent_id.title(), "extension": extension, **extra}


async def test_login_states_and_reasons_reach_the_queues_and_the_record(
    api: Api, queue_show: Callable[[str], Any], db: asyncpg.Connection, open_hours: ShiftedClock
) -> None:
    status, body = await api.call(
        "POST", "/api/v1/agents", _agent("maria", "3101", team="family", languages=["en", "es"])
    )
    assert status == 201, body
    status, body = await api.call("POST", "/api/v1/agents/maria/login")
    assert (status, body["state"], body["queues"]) == (200, "ready", ["family", "family_es"])
    shown = await queue_show("family")
    line = member_line(shown, "3101")
    assert line is not None and "paused" not in line, shown
    assert member_line(await queue_show("family_es"), "3101") is not None

    for reason in ("On Break", "Meeting"):
        status, body = await api.call(
            "PUT", "/api/v1/agents/maria/state", {"state": "not_ready", "reason": reason}
        )
        assert (status, body["state"], body["reason"]) == (200, "not_ready", reason)
        line = member_line(await queue_show("family"), "3101")
        assert line is not None and f"paused:{reason}" in line
    status, body = await api.call("PUT", "/api/v1/agents/maria/state", {"state": "ready"})
    assert status == 200
    assert "paused" not in (member_line(await queue_show("family"), "3101") or "paused")

    status, body = await api.call(
        "PUT", "/api/v1/agents/maria/state", {"state": "not_ready", "reason": "Lunch"}
    )
    assert status == 409 and "one of: Last call" in body["detail"]

    status, _ = await api.call("POST", "/api/v1/agents/maria/logout")
    assert status == 200
    assert member_line(await queue_show("family"), "3101") is None

    rows = await db.fetch(
        "SELECT state, reason, started_at, ended_at FROM agent_states "
        "WHERE agent_id = 'maria' ORDER BY started_at, id"
    )
    assert [(r["state"], r["reason"]) for r in rows] == [
        ("ready", None),
        ("not_ready", "On Break"),
        ("not_ready", "Meeting"),
        ("ready", None),
        ("logged_out", None),
    ]
    assert all(a["ended_at"] == b["started_at"] for a, b in itertools.pairwise(rows))
    day = open_hours().astimezone(CHICAGO).date().isoformat()
    status, history = await api.call("GET", f"/api/v1/agents/maria/history?date={day}")
    assert status == 200 and len(history["intervals"]) == 5
    assert set(history["seconds"]) >= {"ready", "not_ready:On Break", "not_ready:Meeting"}


async def test_the_last_ready_lead_cannot_leave_the_help_queue(
    api: Api,
    db: asyncpg.Connection,
    token_for: Callable[..., Any],
    open_hours: ShiftedClock,
) -> None:
    for body in (
        _agent("sam", "3200", team="ebd", role="supervisor"),
        _agent("lee", "3201", team="ebd", role="lead", hq_shift="am", supervisor="sam"),
        _agent("pat", "3202", team="ebd", role="lead", hq_shift="am", supervisor="sam"),
    ):
        assert (await api.call("POST", "/api/v1/agents", body))[0] == 201
    for lead in ("lee", "pat"):
        status, body = await api.call("POST", f"/api/v1/agents/{lead}/login")
        assert status == 200 and "help" in body["queues"]
    lee, pat, sam = [await token_for(agent) for agent in ("lee", "pat", "sam")]
    on_break = {"state": "not_ready", "reason": "On Break"}
    assert (await api.call("PUT", "/api/v1/agents/lee/state", on_break, token=lee))[0] == 200
    status, body = await api.call("PUT", "/api/v1/agents/pat/state", on_break, token=pat)
    assert status == 409 and body["error"] == "coverage" and "Ready lead" in body["detail"]
    status, _ = await api.call(
        "PUT", "/api/v1/agents/pat/state", {**on_break, "override": True}, token=pat
    )
    assert status == 403  # a lead may not override the guard
    status, body = await api.call(
        "PUT", "/api/v1/agents/pat/state", {**on_break, "override": True}, token=sam
    )
    assert status == 200 and body["reason"] == "On Break" and body["warnings"]
    outcomes = [
        r["outcome"]
        for r in await db.fetch(
            "SELECT outcome FROM agent_state_refusals WHERE agent_id = 'pat' ORDER BY id"
        )
    ]
    assert outcomes == ["refused", "overridden"]
    for lead in ("lee", "pat"):
        await api.call("POST", f"/api/v1/agents/{lead}/logout")


async def test_roles_limit_whom_a_token_may_change(
    api: Api, token_for: Callable[..., Any], open_hours: ShiftedClock
) -> None:
    for body in (
        _agent("ana", "3301", team="ebd"),
        _agent("kia", "3302", team="family"),
        _agent("tou", "3303", team="family", role="lead"),
    ):
        assert (await api.call("POST", "/api/v1/agents", body))[0] == 201
    ana, tou = await token_for("ana"), await token_for("tou")
    assert (await api.call("POST", "/api/v1/agents/ana/login", token=ana))[0] == 200
    assert (await api.call("POST", "/api/v1/agents/kia/login", token=ana))[0] == 403
    assert (await api.call("POST", "/api/v1/agents/kia/login", token=tou))[0] == 200
    assert (await api.call("POST", "/api/v1/agents/ana/logout", token=tou))[0] == 403
    assert (await api.call("GET", "/api/v1/hours", token=ana))[0] == 403
    assert (await api.call("POST", "/api/v1/agents", _agent("x", "3399", team="ebd"), token=tou))[
        0
    ] == 403
    assert (await api.call("GET", "/api/v1/agents", token="made-up"))[0] == 401
    for agent in ("ana", "kia"):
        await api.call("POST", f"/api/v1/agents/{agent}/logout")


async def test_protected_time_pauses_and_unpauses_on_schedule(
    service: Service,
    api: Api,
    queue_show: Callable[[str], Any],
    clock: ShiftedClock,
    moments: Moments,
) -> None:
    open_ = moments.open
    clock.set(open_)  # 10:00
    body = _agent("vang", "3401", team="family", protected_start="10:05:00")
    assert (await api.call("POST", "/api/v1/agents", body))[0] == 201
    assert (await api.call("POST", "/api/v1/agents/vang/login"))[0] == 200
    await service.agents.scheduler.tick()
    assert service.agents.agents.status["vang"].state.value == "ready"

    clock.set(open_ + timedelta(minutes=6))
    await service.agents.scheduler.tick()
    _, body = await api.call("GET", "/api/v1/agents/vang")
    assert (body["state"], body["reason"]) == ("not_ready", "Protected time")
    line = member_line(await queue_show("family"), "3401")
    assert line is not None and "paused:Protected time" in line

    clock.set(open_ + timedelta(minutes=5 + 90))  # Family: 90 minutes
    await service.agents.scheduler.tick()
    _, body = await api.call("GET", "/api/v1/agents/vang")
    assert body["state"] == "ready"
    assert "paused" not in (member_line(await queue_show("family"), "3401") or "paused")
    clock.set(open_)
    await api.call("POST", "/api/v1/agents/vang/logout")


async def test_states_survive_a_restart_of_the_service_and_of_asterisk(
    restart_asterisk: Callable[[], Awaitable[None]],
    service_runner: ServiceRunner,
    api: Api,
    queue_show: Callable[[str], Any],
    open_hours: ShiftedClock,
) -> None:
    assert (await api.call("POST", "/api/v1/agents", _agent("yer", "3501", team="ebd")))[0] == 201
    await api.call("POST", "/api/v1/agents/yer/login")
    await api.call("PUT", "/api/v1/agents/yer/state", {"state": "not_ready", "reason": "Training"})

    await service_runner.stop()
    await restart_asterisk()
    assert member_line(await queue_show("ebd"), "3501") is None  # Asterisk forgot its members

    restarted = await service_runner.start()
    async with asyncio.timeout(30):
        await restarted.agents.reconciled.wait()
    line = member_line(await queue_show("ebd"), "3501")
    assert line is not None and "paused:Training" in line
    assert restarted.agents.agents.status["yer"].reason == "Training"


async def test_an_agent_whose_call_asterisk_lost_is_off_that_call_after_its_restart(
    restart_asterisk: Callable[[], Awaitable[None]],
    service_runner: ServiceRunner,
    phones: Callable[..., Any],
    api: Api,
    callers: Callers,
    recorder: EventRecorder,
    queue_show: Callable[[str], Any],
    open_hours: ShiftedClock,
) -> None:
    """Asterisk restarts while the service is away: app_queue forgets the agent and the call,
    and no AgentComplete will ever come. Reconciliation must not leave the agent on Call
    Inbound (nobody could log them out, no caller would reach them)."""
    phone = await phones("kou", "3504", "family")
    call = await callers.dial()
    await callers.line.press(call, "12" + "4567890123#")
    await recorder.wait_for(call.ivr_id, "agent_answered", timeout=30)
    await phone.answered()

    await service_runner.stop()
    await restart_asterisk()
    restarted = await service_runner.start()
    async with asyncio.timeout(30):
        await restarted.agents.reconciled.wait()
    assert restarted.agents.agents.status["kou"].state.value == "ready"
    line = member_line(await queue_show("family"), "3504")
    assert line is not None  # back in the queue, to take the next caller


async def test_queues_show_callers_waiting_and_agents_by_state(
    api: Api, callers: Callers, open_hours: ShiftedClock
) -> None:
    assert (await api.call("POST", "/api/v1/agents", _agent("chue", "3901", team="ebd")))[0] == 201
    await api.call("POST", "/api/v1/agents/chue/login")
    waiting = await callers.queued("10")  # English, then 0: the operator queue
    status, body = await api.call("GET", "/api/v1/queues")
    assert status == 200
    queues = {q["queue"]: q for q in body["queues"]}
    assert queues["operator"]["callers_waiting"] >= 1
    assert "chue" in queues["ebd"]["agents"]["ready"]
    assert set(queues) >= {"ebd", "family", "help", "operator", "ebd_es", "help_hmn"}
    await callers.hang_up(waiting)
    await api.call("POST", "/api/v1/agents/chue/logout")
