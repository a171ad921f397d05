"""The interval and abandoned reports and today's figures, from events seeded through the real
EventWriter into PostgreSQL, read over HTTP as JSON and CSV: the figures by the stated
definitions (service level, short abandons, transfers, escalations), who may read what, and
the audit row every read of the abandoned list leaves."""

from __future__ import annotations

import csv
import io
import json
import secrets
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.config.policy import Policy
from ccc_telephony.reports.interval import interval_report
from ccc_telephony.reports.periods import Bucket, Span
from ccc_telephony.reports.today import today_by_queue
from ccc_telephony.store.events import CallEvent
from tests.integration.reports.conftest import Reports, write_events
from tests.integration.support.clock import last_fall_back, wednesday_weeks_ago

ZONE = ZoneInfo("America/Chicago")
DAY = wednesday_weeks_ago(30)  # no other module seeds this day
FROM = {"from": DAY.isoformat()}


def at(hour: int, minute: int, second: float = 0) -> datetime:
    return datetime.combine(DAY, time(hour, minute), tzinfo=ZONE) + timedelta(seconds=second)


@pytest.fixture(scope="module")
def now() -> datetime:
    return at(12, 0)


class Caller:
    """One call's events: started from `number`, then what happens in the queues."""

    def __init__(self, number: str, joined: datetime) -> None:
        self.id = f"rep-{secrets.token_hex(6)}"
        self.joined = joined
        self.events = [CallEvent(self.id, "call_started", {"caller_number": number}, at=joined)]

    def then(self, seconds: float, name: str, **details: Any) -> Caller:
        moment = self.joined + timedelta(seconds=seconds)
        self.events.append(CallEvent(self.id, name, details, at=moment))
        return self

    def answered(self, queue: str, agent: str, wait: int, talk: int, start: float = 0) -> Caller:
        self.then(start, "queue_joined", queue=queue, position=1)
        self.then(start + wait, "agent_answered", queue=queue, agent=agent, wait_seconds=wait)
        done = start + wait + talk
        return self.then(done, "agent_call_completed", queue=queue, agent=agent, talk_seconds=talk)

    def abandoned(self, queue: str, wait: int, position: int) -> Caller:
        self.then(0, "queue_joined", queue=queue, position=position)
        return self.then(wait, "abandoned", queue=queue, wait_seconds=wait, position=position)


@pytest.fixture(scope="module", autouse=True)
async def seeded(reports_engine: AsyncEngine, tmp_path_factory: pytest.TempPathFactory) -> None:
    transferred = Caller("6085550102", at(9, 5)).answered("ebd", "maria", wait=90, talk=200)
    transferred.then(291, "transfer_completed", from_agent="maria", kind="blind", target="family")
    transferred.answered("family", "lee", wait=20, talk=100, start=295)
    escalated = Caller("6085550106", at(9, 50)).answered("ebd", "maria", wait=5, talk=60)
    escalated.then(64, "escalated", agent="maria", target="help", reason="caller_request")
    escalated.then(64, "transfer_completed", from_agent="maria", kind="blind", target="help")
    callers = [
        Caller("6085550101", at(9, 0)).answered("ebd", "maria", wait=30, talk=300),
        transferred,
        Caller("6085550103", at(9, 20)).abandoned("ebd", wait=45, position=2),
        Caller("6085550104", at(9, 40)).abandoned("ebd", wait=4, position=1),
        escalated,
        Caller("6085550103", at(10, 30)).answered("ebd", "maria", wait=10, talk=60),
    ]
    spool = tmp_path_factory.mktemp("reports") / "events.jsonl"
    await write_events(reports_engine, spool, [e for c in callers for e in c.events])


def _row(reply: dict[str, Any], queue: str, start: datetime) -> dict[str, Any]:
    [row] = [r for r in reply["rows"] if r["queue"] == queue and r["start"] == start.isoformat()]
    return row


async def test_the_interval_report_counts_by_the_stated_definitions(reports: Reports) -> None:
    reply = await reports.get("interval", **FROM, bucket="60min", queue="ebd")
    assert reply.status == 200, await reply.text()
    body = await reply.json()
    assert len(body["rows"]) == 24 and {r["queue"] for r in body["rows"]} == {"ebd"}
    nine = _row(body, "ebd", at(9, 0))
    assert nine | {"start": None, "end": None} == {
        "queue": "ebd",
        "start": None,
        "end": None,
        "offered": 5,
        "answered": 3,
        "abandoned": 1,
        "short_abandons": 1,
        "service_level_pct": 50.0,  # 2 of 3 answered within 60 s, out of 3 answered + 1
        "asa_seconds": 41.7,
        "longest_wait_seconds": 90,
        "aht_seconds": 186.7,
        "transfers_out": 2,
        "escalations": 1,
    }
    assert _row(body, "ebd", at(10, 0))["service_level_pct"] == 100.0
    assert _row(body, "ebd", at(11, 0))["offered"] == 0
    assert body["definitions"]["service_level_seconds"] == 60
    assert body["definitions"]["short_abandon_seconds"] == 10


async def test_a_day_bucket_has_every_queue_and_the_transferred_caller_in_both(
    reports: Reports,
) -> None:
    body = await (await reports.get("interval", **FROM)).json()
    assert {r["queue"] for r in body["rows"]} == {"ebd", "family", "help", "operator"}
    assert _row(body, "ebd", at(0, 0))["offered"] == 6
    assert _row(body, "ebd", at(0, 0))["service_level_pct"] == 60.0
    assert _row(body, "family", at(0, 0))["answered"] == 1


@pytest.mark.parametrize("how", [{"format": "csv"}, {"accept_csv": "1"}])
async def test_the_interval_report_as_csv(reports: Reports, how: dict[str, str]) -> None:
    reply = await reports.get("interval", **FROM, queue="ebd", **how)
    assert reply.status == 200
    assert reply.content_type == "text/csv"
    assert f'filename="interval-{DAY.isoformat()}' in reply.headers["Content-Disposition"]
    text = await reply.text()
    assert "# definition service_level_seconds: 60" in text
    rows = list(csv.DictReader(line for line in io.StringIO(text) if not line.startswith("#")))
    assert [(r["queue"], r["offered"], r["service_level_pct"]) for r in rows] == [
        ("ebd", "6", "60.0")
    ]


async def test_the_abandoned_list_and_its_audit(
    reports: Reports, reports_db: asyncpg.Connection, now: datetime
) -> None:
    reply = await reports.get("abandoned", who="lena", **FROM, queue="ebd")
    assert reply.status == 200, await reply.text()
    body = await reply.json()
    listed = [
        (r["caller_number"], r["wait_seconds"], r["position"], r["short_abandon"])
        for r in body["rows"]
    ]
    assert listed == [("6085550103", 45, 2, False), ("6085550104", 4, 1, True)]
    assert body["rows"][0]["called_again_at"] == at(10, 30).isoformat()
    assert body["rows"][1]["called_again_at"] is None
    assert body["rows"][0]["called_back"] is False
    audit = await reports_db.fetchrow(
        "SELECT * FROM call_data_reads WHERE who = 'lena' ORDER BY id DESC LIMIT 1"
    )
    assert audit is not None
    assert (audit["role"], audit["what"], audit["at"]) == ("lead", "reports/abandoned", now)
    assert json.loads(audit["scope"])["queue"] == "ebd"


async def test_agents_see_no_queue_reports_and_no_caller_numbers(
    reports: Reports, reports_db: asyncpg.Connection
) -> None:
    for path in ("interval", "abandoned"):
        reply = await reports.get(path, who="maria", **FROM)
        assert reply.status == 403, path
    assert (
        await reports_db.fetchval("SELECT count(*) FROM call_data_reads WHERE who = 'maria'") == 0
    )


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"from": f"{DAY.year}-04-31"}, "from:"),  # no such day
        ({"from": (DAY - timedelta(days=500)).isoformat(), "to": DAY.isoformat()}, "to:"),
        ({"from": DAY.isoformat(), "bucket": "week-ish"}, "bucket:"),
        ({"from": DAY.isoformat(), "queue": "nowhere"}, "queue:"),
        (
            {
                "from": (DAY - timedelta(days=104)).isoformat(),
                "to": DAY.isoformat(),
                "bucket": "15min",
            },
            "bucket:",
        ),
        ({"from": DAY.isoformat(), "format": "xlsx"}, "format:"),
        ({"since": DAY.isoformat()}, "since:"),
    ],
)
async def test_bad_parameters_get_a_400_naming_them(
    reports: Reports, params: dict[str, str], named: str
) -> None:
    reply = await reports.get("interval", **params)
    assert reply.status == 400
    assert (await reply.json())["detail"].startswith(named)


async def test_today_by_queue_for_the_wallboard(
    reports_engine: AsyncEngine, policy: Policy, now: datetime
) -> None:
    today = await today_by_queue(reports_engine, policy, now)
    assert set(today) == {"ebd", "family", "help", "operator"}
    assert today["ebd"] == {
        "offered": 6,
        "answered": 4,
        "abandoned": 1,
        "service_level_pct": 60.0,
        "asa_seconds": 33.8,
    }
    assert today["help"]["service_level_pct"] is None


async def test_other_thresholds_than_the_counts_were_kept_by_are_counted_from_the_visits(
    reports_engine: AsyncEngine, policy: Policy, now: datetime
) -> None:
    stricter = policy.model_copy(
        update={"reports": policy.reports.model_copy(update={"short_abandon_seconds": 50})}
    )
    today = await today_by_queue(reports_engine, stricter, now)
    assert (today["ebd"]["abandoned"], today["ebd"]["service_level_pct"]) == (0, 75.0)
    mid_quarter = Span(at(9, 0, 1), at(10, 0), ZONE)
    report = await interval_report(reports_engine, policy, mid_quarter, Bucket.MIN60, ["ebd"])
    assert [row["offered"] for row in report["rows"]] == [4]  # 09:05, 09:20, 09:40, 09:50


async def test_the_hour_repeated_when_the_clock_falls_back_is_two_rows(
    reports: Reports, reports_engine: AsyncEngine, tmp_path: Path
) -> None:
    fall = last_fall_back()  # 02:00 CDT -> 01:00 CST in Chicago
    first = datetime.combine(fall, time(1, 30), tzinfo=ZONE).astimezone(UTC)
    second = datetime.combine(fall, time(1, 30), tzinfo=ZONE).replace(fold=1).astimezone(UTC)
    callers = [Caller("6085550177", joined).abandoned("help", 30, 1) for joined in (first, second)]
    await write_events(
        reports_engine, tmp_path / "ev.jsonl", [e for c in callers for e in c.events]
    )
    reply = await reports.get(
        "interval", **{"from": fall.isoformat()}, bucket="60min", queue="help"
    )
    rows = (await reply.json())["rows"]
    assert len(rows) == 25
    assert [(r["start"], r["offered"]) for r in rows if r["offered"]] == [
        (f"{fall.isoformat()}T01:00:00-05:00", 1),
        (f"{fall.isoformat()}T01:00:00-06:00", 1),
    ]
