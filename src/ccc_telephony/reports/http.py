"""`GET /api/v1/reports/{interval,abandoned,agents,first-contact,promises}`: each report as
JSON, or as CSV with `format=csv` (or `Accept: text/csv`) and a file name.

Who sees what: the queue reports are for the admin, supervisors and leads; an agent report
for an agent about themself, for a lead or supervisor about their unit. The abandoned list
holds caller numbers: leads, supervisors and the admin only, and every read is recorded
(store/data_reads.py) before the answer goes out, or refused if it cannot be.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.config.agents import RosterAgent
from ccc_telephony.config.policy import Policy
from ccc_telephony.jobs import Clock
from ccc_telephony.reports.abandoned import MAX_LIMIT, abandoned_report
from ccc_telephony.reports.agents import agents_report
from ccc_telephony.reports.csv_out import filename, to_csv
from ccc_telephony.reports.first_contact import first_contact_report
from ccc_telephony.reports.interval import interval_report
from ccc_telephony.reports.params import ParamError, Query, query_of
from ccc_telephony.reports.periods import SpanError
from ccc_telephony.reports.promises import promises_report
from ccc_telephony.store.data_reads import record_read
from ccc_telephony.web.auth import Principal, forbidden, may_act_on, principal_of
from ccc_telephony.web.validation import bad_request, query_int

Roster = Callable[[], Mapping[str, RosterAgent]]
HEADS = frozenset({"admin", "supervisor", "lead"})
PARAMS = frozenset({"from", "to", "bucket", "queue", "agent", "format", "limit"})


@dataclass(frozen=True, slots=True)
class ReportsContext:
    engine: AsyncEngine
    policy: Policy
    clock: Clock
    roster: Roster

    def query(self, request: web.Request) -> Query:
        unknown = sorted(set(request.query) - PARAMS)
        if unknown:
            raise bad_request(f"{unknown[0][:40]}: not a parameter of the reports")
        given = {key: request.query[key] for key in request.query}
        try:
            return query_of(
                given,
                zone=self.policy.zone,
                today=self.clock().astimezone(self.policy.zone).date(),
                queues=frozenset(self.policy.queues),
            )
        except ParamError as exc:
            raise bad_request(str(exc)) from None


def _wants_csv(request: web.Request) -> bool:
    chosen = request.query.get("format")
    if chosen not in (None, "json", "csv"):
        raise bad_request("format: json or csv")
    if chosen is not None:
        return chosen == "csv"
    return "text/csv" in request.headers.get("Accept", "")


def answer(request: web.Request, report: Mapping[str, Any]) -> web.Response:
    if not _wants_csv(request):
        return web.json_response(report)
    return web.Response(
        text=to_csv(report),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename(report)}"'},
    )


def head_of(request: web.Request) -> Principal:
    """The admin, a supervisor or a lead: the queue reports are theirs."""
    principal = principal_of(request)
    if principal.role not in HEADS:
        raise forbidden("the queue reports are for leads, supervisors and the admin")
    return principal


def routes(ctx: ReportsContext) -> web.RouteTableDef:
    table = web.RouteTableDef()

    @table.get("/api/v1/reports/interval")
    async def interval(request: web.Request) -> web.Response:
        head_of(request)
        query = ctx.query(request)
        try:
            report = await interval_report(
                ctx.engine, ctx.policy, query.span, query.bucket, query.queues
            )
        except SpanError as exc:
            raise bad_request(str(exc)) from None
        return answer(request, report)

    @table.get("/api/v1/reports/abandoned")
    async def abandoned(request: web.Request) -> web.Response:
        principal = head_of(request)
        query = ctx.query(request)
        csv = _wants_csv(request)
        limit = query_int(request, "limit", default=10_000, low=1, high=MAX_LIMIT)
        scope = {
            "from": query.span.start.isoformat(),
            "to": query.span.end.isoformat(),
            "queue": None if query.queues is None else query.queues[0],
            "format": "csv" if csv else "json",
        }
        await record_read(
            ctx.engine,
            who=principal.who,
            role=principal.role,
            what="reports/abandoned",
            at=ctx.clock(),
            scope=scope,
        )
        report = await abandoned_report(
            ctx.engine, ctx.policy, query.span, query.queues, limit=limit
        )
        return answer(request, report)

    @table.get("/api/v1/reports/agents")
    async def agents(request: web.Request) -> web.Response:
        query = ctx.query(request)
        roster = ctx.roster()
        chosen = agents_for(principal_of(request), query.agent, roster)
        try:
            report = await agents_report(
                ctx.engine, ctx.policy, query.span, query.bucket, chosen, roster, ctx.clock()
            )
        except SpanError as exc:
            raise bad_request(str(exc)) from None
        return answer(request, report)

    @table.get("/api/v1/reports/first-contact")
    async def first_contact(request: web.Request) -> web.Response:
        head_of(request)
        query = ctx.query(request)
        report = await first_contact_report(ctx.engine, ctx.policy, query.span, query.queues)
        return answer(request, report)

    @table.get("/api/v1/reports/promises")
    async def promises(request: web.Request) -> web.Response:
        head_of(request)
        query = ctx.query(request)
        report = await promises_report(ctx.engine, ctx.policy, query.span, ctx.clock())
        return answer(request, report)

    return table


def agents_for(
    principal: Principal, asked: str | None, roster: Mapping[str, RosterAgent]
) -> list[str]:
    """Whom an agent report covers: the one asked for (the admin: anyone, even someone gone
    from the roster; a lead or supervisor: their unit; an agent: themself), else everyone
    the requester may see."""
    if principal.is_admin:
        return [asked] if asked is not None else sorted(roster)
    mine = sorted(a.id for a in roster.values() if may_act_on(principal, a, roster))
    if asked is None:
        return mine
    if asked not in mine:
        raise forbidden("an agent report covers yourself, or your unit for a lead or supervisor")
    return [asked]
