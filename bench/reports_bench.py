"""`make bench-reports`: the time of each report for a day, a month and the year, over one
year of synthetic activity (bench/year_of_calls.py), from PostgreSQL.

It makes (or, with --reuse, keeps) the database `ccc_bench_reports` on the instance's
private cluster (or on $DATABASE_URL's server), migrates it, seeds it, then runs each report
`--runs` times per span through the same functions the API calls (SQL and the report's
Python, no HTTP) and prints the median and the slowest as a Markdown table. Targets: a day
under 100 ms, the year under 2 s (bench/RESULTS.md).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import year_of_calls
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from year_of_calls import ZONE

from ccc_telephony.config.policy import load_policy
from ccc_telephony.config.settings import DEFAULT_POLICY
from ccc_telephony.devstack.instance import instance
from ccc_telephony.devstack.stack import database_server
from ccc_telephony.reports.abandoned import abandoned_report
from ccc_telephony.reports.agents import agents_report
from ccc_telephony.reports.first_contact import first_contact_report
from ccc_telephony.reports.interval import interval_report
from ccc_telephony.reports.periods import Bucket, Span
from ccc_telephony.reports.promises import promises_report
from ccc_telephony.reports.today import today_by_queue
from ccc_telephony.store.engine import make_engine
from ccc_telephony.store.migrate import upgrade
from ccc_telephony.store.reports import recount_quarter_hours

NAME = "ccc_bench_reports"
LAST_DAY = date(2026, 11, 30)
DAY = date(2026, 6, 17)  # a Wednesday in the middle of the year
TARGETS = {"day": 0.100, "year": 2.0}


def spans(zone: Any) -> dict[str, tuple[Span, Bucket, Bucket]]:
    """Each span with the buckets a supervisor would read it in: the interval report's, and
    the agent report's (a day at the finest)."""
    return {
        "day": (Span.of_days(DAY, DAY, zone), Bucket.MIN15, Bucket.DAY),
        "month": (Span.of_days(date(2026, 6, 1), date(2026, 6, 30), zone), Bucket.DAY, Bucket.DAY),
        "year": (
            Span.of_days(LAST_DAY - timedelta(days=364), LAST_DAY, zone),
            Bucket.MONTH,
            Bucket.MONTH,
        ),
    }


async def _database(server: str, reuse: bool) -> tuple[str, bool]:
    """The bench database's URL, and whether it must be seeded."""
    base = server.replace("postgresql+asyncpg://", "postgresql://", 1)
    admin = await asyncpg.connect(base)
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", NAME)
        if exists and not reuse:
            await admin.execute(f'DROP DATABASE "{NAME}"')
        if not exists or not reuse:
            await admin.execute(f'CREATE DATABASE "{NAME}"')
    finally:
        await admin.close()
    head, _, _ = base.rpartition("/")
    return f"{head}/{NAME}", not (exists and reuse)


async def _recount(url: str) -> None:
    """The seed writes visits without the event writer: count their quarter hours once."""
    engine = make_engine(url)
    year = spans(ZONE)["year"][0]
    try:
        await recount_quarter_hours(
            engine, year.start, year.end, load_policy(DEFAULT_POLICY).reports
        )
    finally:
        await engine.dispose()


# Filled by an agent report's first run over days not counted yet; analyzed then, as
# autovacuum would within a minute (without statistics the planner reads them slowly).
DAY_COUNTS = "agent_day_states, agent_day_calls, agent_days_counted"


async def _timed(
    engine: AsyncEngine, work: Callable[[], Awaitable[Any]], runs: int
) -> tuple[float, float, float, int]:
    """(first run, median, slowest, rows): the first run pays for plans, cold pages and, for
    the agent report, counting the days it has not counted yet."""
    started = time.perf_counter()
    await work()
    first = time.perf_counter() - started
    async with engine.begin() as conn:
        await conn.execute(text(f"ANALYZE {DAY_COUNTS}"))
    seconds, rows = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        report = await work()
        seconds.append(time.perf_counter() - started)
        rows = len(report["rows"]) if "rows" in report else len(report)
    return first, statistics.median(seconds), max(seconds), rows


Result = tuple[str, str, str, float, float, float, int]


async def bench(url: str, runs: int) -> list[Result]:
    policy = load_policy(DEFAULT_POLICY)
    engine = make_engine(url)
    agents = [f"bench{n:03d}" for n in range(year_of_calls.AGENTS)]
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    results = []
    async with engine.begin() as conn:  # every first run of an agent report counts its days
        await conn.execute(text(f"TRUNCATE {DAY_COUNTS}"))
    try:
        for label, (span, bucket, per_agent) in spans(policy.zone).items():
            reports: dict[str, Callable[[], Awaitable[Any]]] = {
                "interval": lambda s=span, b=bucket: interval_report(engine, policy, s, b),
                "abandoned": lambda s=span: abandoned_report(engine, policy, s),
                "agents": lambda s=span, b=per_agent: agents_report(
                    engine, policy, s, b, agents, {}, now
                ),
                "first-contact": lambda s=span: first_contact_report(engine, policy, s),
                "promises": lambda s=span: promises_report(engine, policy, s, now),
            }
            if label == "day":
                noon = span.start + timedelta(hours=12)
                reports["today (wallboard)"] = lambda n=noon: today_by_queue(engine, policy, n)
            for name, work in reports.items():
                try:
                    first, median, slowest, rows = await _timed(engine, work, runs)
                except Exception as exc:  # a statement past the engine's timeout: recorded
                    print(f"{label:6} {name:18} failed: {type(exc).__name__}", flush=True)
                    first = median = slowest = float("inf")
                    rows = 0
                shown = {"interval": bucket.value, "agents": per_agent.value}.get(name, "-")
                results.append((label, name, shown, first, median, slowest, rows))
                print(f"{label:6} {name:18} {shown:6} median {median * 1000:8.1f} ms", flush=True)
    finally:
        await engine.dispose()
    return results


def markdown(results: list[Result]) -> str:
    lines = [
        "| span | report | bucket | first run ms | median ms | slowest ms | rows | target |",
        "|---|---|---|---:|---:|---:|---:|---|",
    ]
    for label, name, bucket, first, median, slowest, rows in results:
        target = TARGETS.get(label)
        verdict = "-" if target is None else ("met" if median < target else "MISSED")
        lines.append(
            f"| {label} | {name} | {bucket} | {first * 1000:.0f} | {median * 1000:.1f}"
            f" | {slowest * 1000:.1f}"
            f" | {rows} | {verdict} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", default=os.environ.get("CCC_TEST_INSTANCE", "bench"))
    parser.add_argument("--reuse", action="store_true", help="keep an already seeded database")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    url, fresh = asyncio.run(_database(database_server(instance(args.instance)), args.reuse))
    if fresh:
        asyncio.run(upgrade(url))
        started = time.perf_counter()
        counts = asyncio.run(year_of_calls.seed(url, LAST_DAY, 365))
        print(f"seeded {counts} in {time.perf_counter() - started:.0f} s", flush=True)
        started = time.perf_counter()
        asyncio.run(_recount(url))
        print(f"quarter hours counted in {time.perf_counter() - started:.0f} s", flush=True)
    print(markdown(asyncio.run(bench(url, args.runs))))


if __name__ == "__main__":
    main()
