"""Every read of call data by a person through the API is recorded before it is answered.

Call data is what a caller told or showed us (their number, case number, SSN's last four) and
what happened on their call. A route that shows it calls `read_of_call_data` first: the read is
written to `call_data_reads` (store.data_reads) and only then answered, so if the record
cannot be written the read is refused (503, retry) and no read goes unaudited. The scope is
what was asked (a call, a queue, a filter), from values the route has already checked; never
the data shown, never a raw query string (a person may type an SSN into one).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import structlog
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.config.agents import RosterAgent, in_unit
from ccc_telephony.store.data_reads import ReadRow, reads_between, record_read
from ccc_telephony.web.auth import Principal, forbidden, principal_of
from ccc_telephony.web.validation import bad_request, json_error, parse_day, query_int

log = structlog.get_logger(__name__)


class ReadLog(Protocol):
    async def record(self, principal: Principal, what: str, scope: Mapping[str, Any]) -> None:
        """Write one read, or raise an HTTP error (the read is refused)."""


@dataclass(frozen=True, slots=True)
class CallDataReads:
    """The audit log in PostgreSQL."""

    engine: AsyncEngine
    clock: Callable[[], datetime]

    async def record(self, principal: Principal, what: str, scope: Mapping[str, Any]) -> None:
        try:
            await record_read(
                self.engine,
                who=principal.who,
                role=principal.role,
                what=what,
                at=self.clock(),
                scope=scope,
            )
        except Exception as exc:
            log.warning("cannot record a read of call data: refused", what=what, error=repr(exc))
            raise json_error(
                web.HTTPServiceUnavailable, "cannot record this read of call data now; retry"
            ) from None


READS = web.AppKey[ReadLog]("call_data_reads")


async def read_of_call_data(request: web.Request, what: str, **scope: Any) -> None:
    """Record that the requester reads call data: `what` (e.g. "calls", "screen_pop") and what
    they asked for. Raises 503 when it cannot be recorded: the route then answers nothing."""
    await request.app[READS].record(principal_of(request), what, scope)


AUDIT_PATH = "/api/v1/audit/call-data-reads"
_PERSON = re.compile(r"[a-z][a-z0-9._-]{0,31}")
Roster = Callable[[], Mapping[str, RosterAgent]]


def routes(
    engine: AsyncEngine, *, roster: Roster, zone: ZoneInfo, clock: Callable[[], datetime]
) -> web.RouteTableDef:
    """`GET /api/v1/audit/call-data-reads?from=&to=&who=&limit=`: who read call data, newest
    first, for the admin (everyone's reads) and supervisors (their unit's and their own)."""
    table = web.RouteTableDef()

    @table.get(AUDIT_PATH)
    async def audit(request: web.Request) -> web.Response:
        principal = principal_of(request)
        if not (principal.is_admin or principal.role == "supervisor"):
            raise forbidden("the audit of reads is for supervisors and the admin")
        first, last = _days(request, clock().astimezone(zone).date())
        people = _people(request, principal, roster())
        rows = await reads_between(
            engine,
            since=datetime.combine(first, time.min, zone),
            until=datetime.combine(last + timedelta(days=1), time.min, zone),
            people=people,
            limit=query_int(request, "limit", default=100, low=1, high=1000),
        )
        return web.json_response(
            {"from": first.isoformat(), "to": last.isoformat(), "reads": [_row(r) for r in rows]}
        )

    return table


def _days(request: web.Request, today: date) -> tuple[date, date]:
    """`from` to `to`, whole days in the center's time zone: by default today alone, or from
    `from` to today."""
    last = parse_day(request.query["to"], "to") if "to" in request.query else today
    first = parse_day(request.query["from"], "from") if "from" in request.query else last
    if first > last:
        raise bad_request("from: must not be after to")
    return first, last


def _people(
    request: web.Request, principal: Principal, roster: Mapping[str, RosterAgent]
) -> frozenset[str] | None:
    """Whose reads the requester sees (None: everyone's, for the admin), narrowed by `who`."""
    who = request.query.get("who")
    if who is not None and not _PERSON.fullmatch(who):
        raise bad_request("who: an agent id (or admin)")
    if principal.is_admin:
        return None if who is None else frozenset({who})
    head = roster.get(principal.agent_id or "")
    unit = {a.id for a in roster.values() if head is not None and in_unit(a, head)}
    unit.add(principal.name)
    if who is None:
        return frozenset(unit)
    if who not in unit:
        raise forbidden("who: a supervisor sees the reads of their unit and their own")
    return frozenset({who})


def _row(row: ReadRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "at": row.at.isoformat(),
        "who": row.who,
        "role": row.role,
        "what": row.what,
        "scope": dict(row.scope),
    }
