"""The report pages: `/reports/{interval,abandoned,agents,first-contact,promises}`, each a form,
a chart, the figures and their definitions, drawn in the browser from the same JSON the API
serves (`reports/static/reports.js`, `charts.js`: no build step, nothing from elsewhere).

A page holds no figures itself, so it shows anyone logged in the form; the API answers each
query by the viewer's role (an agent gets their own agent report only), and the navigation
offers an agent only that one.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from aiohttp import web

from ccc_telephony.config.agents import RosterAgent
from ccc_telephony.config.policy import Policy
from ccc_telephony.web.auth import Principal, may_act_on, principal_of
from ccc_telephony.web.pages import page, template

HERE = Path(__file__).parent
PAGE = template(HERE / "page.html")
BUCKETS = ("15min", "30min", "60min", "day", "week", "month")


@dataclass(frozen=True, slots=True)
class Report:
    title: str
    about: str
    fields: tuple[str, ...]  # of from, to, bucket, queue, agent
    for_agents: bool = False
    bucket: str = "day"  # the interval the page asks for first


REPORTS: Mapping[str, Report] = {
    "interval": Report(
        "Queues by interval",
        "Per queue and interval: calls offered, answered and abandoned, service level, speed "
        "of answer, longest wait, handle time, transfers out and escalations.",
        ("from", "to", "bucket", "queue"),
        bucket="60min",  # a day by the hour: the chart shows the day's shape
    ),
    "abandoned": Report(
        "Abandoned calls",
        "Every caller who hung up in a queue: when, how long they waited, their place in "
        "line, and whether they were called back or called again. Each view is audited.",
        ("from", "to", "queue"),
    ),
    "agents": Report(
        "Agents",
        "Time per state and Not Ready reason, calls handled, handle time, protected time "
        "against the team's standard, and hours logged in.",
        ("from", "to", "bucket", "agent"),
        for_agents=True,
    ),
    "first-contact": Report(
        "First-contact resolution",
        "Calls whose case did not call again within the policy's days, by queue and agent.",
        ("from", "to", "queue"),
    ),
    "promises": Report(
        "Promises kept",
        "Messages returned the same workday, escalation follow-ups and confidential "
        "callbacks within 24 hours.",
        ("from", "to"),
    ),
}

Roster = Callable[[], Mapping[str, RosterAgent]]


def routes(policy: Policy, clock: Callable[[], datetime], roster: Roster) -> web.RouteTableDef:
    table = web.RouteTableDef()
    table.static("/static/reports", HERE / "static")

    @table.get("/reports")
    async def index(request: web.Request) -> web.Response:
        first = "interval" if principal_of(request).role != "agent" else "agents"
        raise web.HTTPSeeOther(f"/reports/{first}")

    @table.get("/reports/{name}")
    async def report_page(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        report = REPORTS.get(name)
        if report is None:
            raise web.HTTPNotFound(text="no such report")
        principal = principal_of(request)
        today = clock().astimezone(policy.zone).date().isoformat()
        fields = {
            "from": _date("from", "From", today),
            "to": _date("to", "To", today),
            "bucket": _select("bucket", "Interval", [(b, b) for b in BUCKETS], report.bucket),
            "queue": _select("queue", "Queue", [("", "All"), *((q, q) for q in policy.queues)]),
            "agent": _select("agent", "Agent", _agents(principal, roster())),
        }
        return page(
            PAGE,
            name=name,
            title=report.title,
            about=report.about,
            who=principal.name,
            role=principal.role,
            markup={
                "nav": _nav(name, principal),
                "fields": "\n".join(fields[f] for f in report.fields),
            },
        )

    return table


def _nav(current: str, principal: Principal) -> str:
    links = []
    for name, report in REPORTS.items():
        if principal.role == "agent" and not report.for_agents:
            continue
        here = ' aria-current="page"' if name == current else ""
        links.append(f'<li><a href="/reports/{name}"{here}>{html.escape(report.title)}</a></li>')
    return "".join(links)


def _agents(principal: Principal, roster: Mapping[str, RosterAgent]) -> list[tuple[str, str]]:
    """The agents this viewer's report may cover: themself, their unit, or everyone."""
    mine = sorted(
        (a for a in roster.values() if may_act_on(principal, a, roster)), key=lambda a: a.name
    )
    everyone = [] if principal.role == "agent" else [("", "All I may see")]
    return everyone + [(a.id, f"{a.name} ({a.id})") for a in mine]


def _date(name: str, label: str, value: str) -> str:
    return f'<label>{label} <input type="date" name="{name}" value="{value}" required></label>'


def _select(name: str, label: str, options: list[tuple[str, str]], chosen: str = "") -> str:
    items = "".join(
        f'<option value="{html.escape(v)}"{" selected" if v == chosen else ""}>'
        f"{html.escape(text)}</option>"
        for v, text in options
    )
    return f'<label>{label} <select name="{name}">{items}</select></label>'
