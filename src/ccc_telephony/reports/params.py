"""A report's parameters as the API's query string and the CLI's options give them: `from`
and `to` (days as YYYY-MM-DD, both included; or ISO instants, `to` excluded), `bucket`,
`queue` and `agent`. Checked here once for both, each mistake named by its parameter."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from ccc_telephony.reports.periods import Bucket, Span, SpanError, checked, local_midnight

_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MAX_TEXT = 64


class ParamError(ValueError):
    """A parameter a report cannot take; the message starts with its name."""


@dataclass(frozen=True, slots=True)
class Query:
    span: Span
    bucket: Bucket
    queues: tuple[str, ...] | None
    agent: str | None


def _moment(text: str, name: str, zone: ZoneInfo) -> date | datetime:
    if len(text) > _MAX_TEXT:
        raise ParamError(f"{name}: expected a day (YYYY-MM-DD) or an ISO instant")
    try:
        if _DAY.fullmatch(text):
            return date.fromisoformat(text)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ParamError(f"{name}: expected a day (YYYY-MM-DD) or an ISO instant") from None
    if not 1970 <= moment.year <= 2999:
        raise ParamError(f"{name}: must be from 1970 to 2999")
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def span_of(given: Mapping[str, str], zone: ZoneInfo, today: date) -> Span:
    """Days from `from` to `to` (both included), or instants [from, to); `from` alone is
    that day (from that instant to its day's end), neither is today."""
    first = _moment(given["from"], "from", zone) if "from" in given else today
    last = _moment(given["to"], "to", zone) if "to" in given else None
    start = first if isinstance(first, datetime) else local_midnight(first, zone)
    if isinstance(last, datetime):
        end = last
    else:
        last_day = last or (first.astimezone(zone).date() if isinstance(first, datetime) else first)
        end = local_midnight(last_day + timedelta(days=1), zone)
    try:
        return checked(Span(start, end, zone))
    except SpanError as exc:
        raise ParamError(str(exc)) from None


def query_of(
    given: Mapping[str, str],
    *,
    zone: ZoneInfo,
    today: date,
    queues: frozenset[str],
    default_bucket: Bucket = Bucket.DAY,
) -> Query:
    bucket_text = given.get("bucket", default_bucket.value)
    try:
        bucket = Bucket(bucket_text)
    except ValueError:
        choices = ", ".join(b.value for b in Bucket)
        raise ParamError(f"bucket: one of {choices}") from None
    queue = given.get("queue")
    if queue is not None and queue not in queues:
        raise ParamError(f"queue: not one of the policy's queues ({', '.join(sorted(queues))})")
    agent = given.get("agent")
    if agent is not None and not 0 < len(agent) <= _MAX_TEXT:
        raise ParamError("agent: an agent id")
    return Query(
        span=span_of(given, zone, today),
        bucket=bucket,
        queues=None if queue is None else (queue,),
        agent=agent,
    )
