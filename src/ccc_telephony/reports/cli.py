"""`ccc-telephony reports interval|abandoned|agents|first-contact|promises`: the API's
reports in a terminal, as a table or `--csv`, with the same options (`--from`, `--to`,
`--bucket`, `--queue`, `--agent`).

Straight from the database with the policy file (a report is a read; it needs no running
service). The abandoned list holds caller numbers: each run is recorded as a read by the
admin at the terminal, like the API's.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.config.policy import Policy, load_policy
from ccc_telephony.config.settings import Settings
from ccc_telephony.reports.abandoned import DEFAULT_LIMIT, abandoned_report
from ccc_telephony.reports.agents import agents_report
from ccc_telephony.reports.csv_out import flat, to_csv
from ccc_telephony.reports.first_contact import first_contact_report
from ccc_telephony.reports.interval import interval_report
from ccc_telephony.reports.params import ParamError, Query, query_of, span_of
from ccc_telephony.reports.periods import SpanError
from ccc_telephony.reports.promises import promises_report
from ccc_telephony.store.data_reads import record_read
from ccc_telephony.store.engine import run_with_engine
from ccc_telephony.store.reports import recount_quarter_hours

Report = Callable[[AsyncEngine, Policy, Query, datetime], Awaitable[dict[str, Any]]]
# A long cell (a Not Ready reason, a note) is cut in a terminal table; CSV has it whole.
_WIDTH_LIMIT = 40


async def _interval(engine: AsyncEngine, policy: Policy, q: Query, now: datetime) -> dict[str, Any]:
    return await interval_report(engine, policy, q.span, q.bucket, q.queues)


async def _abandoned(
    engine: AsyncEngine, policy: Policy, q: Query, now: datetime
) -> dict[str, Any]:
    scope = {"from": q.span.start.isoformat(), "to": q.span.end.isoformat(), "queue": q.queues}
    who = f"{getpass.getuser()} (cli)"
    await record_read(engine, who=who, role="admin", what="reports/abandoned", at=now, scope=scope)
    return await abandoned_report(engine, policy, q.span, q.queues, limit=DEFAULT_LIMIT)


async def _agents(engine: AsyncEngine, policy: Policy, q: Query, now: datetime) -> dict[str, Any]:
    roster = {agent.id: agent for agent in policy.agents.roster}
    chosen = [q.agent] if q.agent is not None else sorted(roster)
    return await agents_report(engine, policy, q.span, q.bucket, chosen, roster, now)


async def _first_contact(
    engine: AsyncEngine, policy: Policy, q: Query, now: datetime
) -> dict[str, Any]:
    return await first_contact_report(engine, policy, q.span, q.queues)


async def _promises(engine: AsyncEngine, policy: Policy, q: Query, now: datetime) -> dict[str, Any]:
    return await promises_report(engine, policy, q.span, now)


REPORTS: Mapping[str, tuple[Report, str]] = {
    "interval": (_interval, "per queue and bucket: offered, answered, abandoned, SL, ASA..."),
    "abandoned": (_abandoned, "the abandoned calls, with caller numbers (the read is recorded)"),
    "agents": (_agents, "per agent: time per state and reason, calls, AHT, protected time"),
    "first-contact": (_first_contact, "first-contact resolution by queue and agent"),
    "promises": (_promises, "messages, escalation follow-ups and confidential callbacks kept"),
}


def register(sub: Any) -> None:
    reports = sub.add_parser("reports", help="the call center's reports").add_subparsers(
        metavar="REPORT"
    )
    for name, (report, summary) in REPORTS.items():
        verb = reports.add_parser(name, help=summary)
        verb.add_argument("--from", dest="from_", help="a day (YYYY-MM-DD) or an ISO instant")
        verb.add_argument("--to", help="a day (included) or an ISO instant (excluded)")
        verb.add_argument("--bucket", help="15min, 30min, 60min, day (default), week, month")
        verb.add_argument("--queue", help="one of the policy's queues")
        verb.add_argument("--agent", help="an agent id")
        verb.add_argument("--csv", action="store_true", help="CSV with the definitions on top")
        verb.set_defaults(func=_run(report))
    recount = reports.add_parser(
        "recount", help="count the queues' quarter hours again (after the thresholds changed)"
    )
    recount.add_argument("--from", dest="from_", required=True, help="a day (YYYY-MM-DD)")
    recount.add_argument("--to", help="a day (included); default the day of --from")
    recount.set_defaults(func=_recount)


def _recount(settings: Settings, args: argparse.Namespace) -> int:
    """The interval report reads the quarter-hour counts only where they were kept by the
    policy's thresholds; after a change, this brings the older ones to them."""
    policy = load_policy(settings.policy_file)
    given = {"from": args.from_} | ({"to": args.to} if args.to else {})
    try:
        span = span_of(given, policy.zone, datetime.now(UTC).astimezone(policy.zone).date())
    except ParamError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    run_with_engine(
        settings.database_url,
        lambda engine: recount_quarter_hours(engine, span.start, span.end, policy.reports),
    )
    print(f"recounted {span.start.isoformat()} to {span.end.isoformat()}")
    return 0


def _run(report: Report) -> Callable[[Settings, argparse.Namespace], int]:
    def run(settings: Settings, args: argparse.Namespace) -> int:
        policy = load_policy(settings.policy_file)
        now = datetime.now(UTC)
        given = {
            key: value
            for key, value in {
                "from": args.from_,
                "to": args.to,
                "bucket": args.bucket,
                "queue": args.queue,
                "agent": args.agent,
            }.items()
            if value is not None
        }
        try:
            query = query_of(
                given,
                zone=policy.zone,
                today=now.astimezone(policy.zone).date(),
                queues=frozenset(policy.queues),
            )
            body = run_with_engine(
                settings.database_url, lambda engine: report(engine, policy, query, now)
            )
        except (ParamError, SpanError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(to_csv(body) if args.csv else table(body), end="")
        return 0

    return run


def table(report: Mapping[str, Any]) -> str:
    """The report for a terminal: its span and definitions, then the rows in columns."""
    lines = [f"{report['report']}: {report['from']} to {report['to']}"]
    lines += [f"  {key}: {value}" for key, value in report["definitions"].items()]
    rows = [flat(row) for row in report["rows"]]
    if not rows:
        return "\n".join([*lines, "(no rows)", ""])
    columns = list(dict.fromkeys(key for row in rows for key in row))
    cells = [[_shown(row.get(c)) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    lines.append("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join([*lines, ""])


def _shown(value: Any) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= _WIDTH_LIMIT else text[: _WIDTH_LIMIT - 1] + "…"
