"""The agent, first-contact and promises reports over HTTP against a real PostgreSQL: an
agent's states cut at midnight, protected time against the team's standard, calls handled;
repeat contacts of a case; promises kept, late and missed; and who may see which agent."""

from __future__ import annotations

import asyncio
import os
import secrets
import sys
import uuid
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.store.events import CallEvent
from tests.integration.reports.conftest import ROSTER, Reports, write_events
from tests.integration.support.clock import wednesday_weeks_ago

ZONE = ZoneInfo("America/Chicago")
DAY = wednesday_weeks_ago(26)  # no other module seeds this day
NEXT = DAY + timedelta(days=1)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE)


@pytest.fixture(scope="module")
def now() -> datetime:
    return at(NEXT, 20)


STATES = [  # maria: ready through the night into the next day, protected time, a call
    ("maria", "ready", None, at(DAY, 8), at(DAY, 9)),
    ("maria", "not_ready", "Protected time", at(DAY, 9), at(DAY, 12)),
    ("maria", "call_inbound", None, at(DAY, 12), at(DAY, 12, 10)),
    ("maria", "ready", None, at(DAY, 12, 10), at(NEXT, 1)),
    ("maria", "logged_out", None, at(NEXT, 1), None),
    ("lee", "not_ready", "On Break", at(DAY, 10), at(DAY, 10, 15)),
]


def _case_call(case: str, joined: datetime, agent: str) -> list[CallEvent]:
    call_id = f"fcr-{secrets.token_hex(6)}"
    events = [
        ("call_started", {"caller_number": "6085550199"}, 0),
        ("caller_identified", {"case_number": case}, 1),
        ("queue_joined", {"queue": "ebd", "position": 1}, 2),
        ("agent_answered", {"queue": "ebd", "agent": agent, "wait_seconds": 8}, 10),
        ("agent_call_completed", {"queue": "ebd", "agent": agent, "talk_seconds": 600}, 610),
    ]
    return [CallEvent(call_id, n, d, at=joined + timedelta(seconds=s)) for n, d, s in events]


@pytest.fixture(scope="module", autouse=True)
async def seeded(
    reports_engine: AsyncEngine, reports_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    db = await asyncpg.connect(reports_url)
    try:
        for agent in ROSTER.values():
            await db.execute(
                "INSERT INTO agents (id, name, extension, team, role, languages)"
                " VALUES ($1, $2, $3, $4, $5, '{en}') ON CONFLICT DO NOTHING",
                agent.id,
                agent.name,
                agent.extension,
                agent.team,
                agent.role if agent.role != "agent" else "worker",
            )
        await db.executemany(
            "INSERT INTO agent_states (agent_id, state, reason, started_at, ended_at, source)"
            " VALUES ($1, $2, $3, $4, $5, 'test')",
            STATES,
        )
        await _promises(db)
    finally:
        await db.close()
    calls = [
        *_case_call("5550000001", at(DAY, 12), "maria"),
        *_case_call("5550000001", at(NEXT, 9), "maria"),  # the same case, next day: a repeat
        *_case_call("5550000002", at(DAY, 14), "maria"),
    ]
    await write_events(reports_engine, tmp_path_factory.mktemp("people") / "ev.jsonl", calls)


async def _promises(db: asyncpg.Connection) -> None:
    made = at(DAY, 9)
    for state, state_at in (("returned", made + timedelta(hours=2)), ("new", made)):
        await db.execute(
            "INSERT INTO messages (source, call_id, language, received_at, recording, due_at,"
            " state, state_at) VALUES ('after_hours', $1, 'en', $2, 'r', $3, $4, $5)",
            f"msg-{secrets.token_hex(4)}",
            made,
            made + timedelta(hours=8),
            state,
            state_at,
        )
    for status, updated in (("resolved", 30), ("researching", 3), ("open", None)):
        await db.execute(
            "INSERT INTO escalation_followups (id, call_id, agent_id, target, reason,"
            " created_at, due_at, status, updated_at, resolved_at)"
            " VALUES ($1, 'esc', 'maria', 'help', 'caller_request', $2, $3, $4, $5, $6)",
            uuid.uuid4(),
            made,
            made + timedelta(hours=24),
            status,
            None if updated is None else made + timedelta(hours=updated),
            made + timedelta(hours=30) if status == "resolved" else None,
        )


def _only(rows: list[dict[str, Any]], **match: Any) -> dict[str, Any]:
    [row] = [r for r in rows if all(r.get(k) == v for k, v in match.items())]
    return row


async def test_an_agents_day_is_cut_at_midnight_with_protected_time_and_calls(
    reports: Reports,
) -> None:
    reply = await reports.get(
        "agents", **{"from": DAY.isoformat(), "to": NEXT.isoformat()}, agent="maria"
    )
    assert reply.status == 200, await reply.text()
    rows = (await reply.json())["rows"]
    first = _only(rows, start=at(DAY, 0).isoformat())
    assert first["ready_seconds"] == 3600 + (11 * 60 + 50) * 60
    assert first["not_ready_reasons"] == {"Protected time": 3 * 3600}
    assert first["call_inbound_seconds"] == 600
    assert (first["protected_seconds"], first["protected_standard_seconds"]) == (10800, 9000)
    assert first["protected_over_seconds"] == 1800
    assert (first["calls_handled"], first["aht_seconds"]) == (2, 600.0)
    assert first["logged_in_hours"] == 16.0
    second = _only(rows, start=at(NEXT, 0).isoformat())
    assert second["ready_seconds"] == 3600 and second["calls_handled"] == 1


async def test_an_agents_hours_are_cut_at_each_hour(reports: Reports) -> None:
    reply = await reports.get("agents", **{"from": DAY.isoformat()}, agent="maria", bucket="60min")
    rows = (await reply.json())["rows"]
    noon = _only(rows, start=at(DAY, 12).isoformat())
    assert (noon["call_inbound_seconds"], noon["ready_seconds"]) == (600, 3000)
    assert _only(rows, start=at(DAY, 23).isoformat())["ready_seconds"] == 3600


async def test_agent_reports_for_self_and_unit_only(reports: Reports) -> None:
    span = {"from": DAY.isoformat()}
    own = await (await reports.get("agents", who="maria", **span)).json()
    assert {r["agent"] for r in own["rows"]} == {"maria"}
    assert (await reports.get("agents", who="maria", agent="lee", **span)).status == 403
    assert (await reports.get("agents", who="lena", agent="lee", **span)).status == 403
    sam = await (await reports.get("agents", who="sam", **span)).json()
    assert {r["agent"] for r in sam["rows"]} == {"lee"}
    csv = await reports.get("agents", who="lena", agent="maria", format="csv", **span)
    assert "not_ready_reasons.Protected time" in (await csv.text())


async def test_first_contact_resolution_counts_a_repeat_of_the_case(reports: Reports) -> None:
    reply = await reports.get("first-contact", who="lena", **{"from": DAY.isoformat()})
    rows = (await reply.json())["rows"]
    assert _only(rows, queue="ebd", agent="maria") == {
        "queue": "ebd",
        "agent": "maria",
        "contacts": 2,
        "repeat_contacts": 1,
        "no_repeat_pct": 50.0,
    }
    assert _only(rows, queue="ebd", agent=None)["contacts"] == 2
    assert (await reports.get("first-contact", who="maria")).status == 403


async def test_promises_kept_late_and_missed(reports: Reports) -> None:
    reply = await reports.get("promises", **{"from": DAY.isoformat()})
    rows = {r["promise"]: r for r in (await reply.json())["rows"]}
    messages = rows["messages_returned_same_workday"]
    assert (messages["owed"], messages["kept"], messages["missed"]) == (2, 1, 1)
    followups = rows["escalation_followups_24h"]
    assert (followups["kept"], followups["late"], followups["missed"]) == (1, 1, 1)
    assert followups["kept_pct"] == 33.3
    assert rows["confidential_callbacks_24h"]["owed"] == 0


async def _cli(reports_url: str, *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "ccc_telephony",
        "reports",
        *args,
        env={**os.environ, "DATABASE_URL": reports_url},
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(60):
        out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_the_cli_prints_a_table_or_csv_and_names_a_bad_option(reports_url: str) -> None:
    status, out, _ = await _cli(
        reports_url, "agents", "--from", DAY.isoformat(), "--agent", "maria"
    )
    assert status == 0
    assert "protected_seconds" in out and "10800" in out
    status, out, _ = await _cli(reports_url, "first-contact", "--from", DAY.isoformat(), "--csv")
    assert status == 0
    assert "# definition repeat_contact_days: 7" in out
    assert "ebd,maria,2,1,50.0" in out
    status, _, err = await _cli(reports_url, "interval", "--bucket", "fortnight")
    assert status == 2 and "bucket:" in err
