"""The reports' reads (issue 13): sums per queue and bucket of `queue_visits`, the abandoned
visits with what followed them, agents' state intervals, repeat contacts and promises kept.
Each is one statement over an index on its time column; the reports package computes the
shares and averages from what these return."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Interval,
    and_,
    exists,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.store.tables import TIMESTAMPTZ, queue_callbacks, queue_visits

_v = queue_visits.c
_TRANSFERRED_OUT = ("transferred_out", "escalated")


@dataclass(frozen=True, slots=True)
class Window:
    """[start, end) and the buckets: `stride` counted from `origin`, or a calendar `unit`
    ('day', 'week', 'month') of the time zone `zone`."""

    start: datetime
    end: datetime
    zone: str
    origin: datetime
    stride: timedelta | None = None
    unit: str | None = None

    def bucket(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        """The start of the bucket `column` falls in, as an instant."""
        if self.stride is not None:
            return func.date_bin(
                literal(self.stride, Interval), column, literal(self.origin, TIMESTAMPTZ)
            )
        local = func.date_trunc(self.unit, func.timezone(self.zone, column))
        return func.timezone(self.zone, local)


@dataclass(frozen=True, slots=True)
class Thresholds:
    service_level_seconds: int
    short_abandon_seconds: int


def _in(window: Window, queues: Sequence[str] | None) -> list[ColumnElement[bool]]:
    where = [_v.joined_at >= window.start, _v.joined_at < window.end]
    if queues is not None:
        where.append(_v.queue.in_(list(queues)))
    return where


def _counts(rules: Thresholds) -> list[Any]:
    answered = _v.answered_at.is_not(None)
    abandoned = _v.outcome == "abandoned"
    wait = func.coalesce(_v.wait_seconds, 0)
    short = wait < rules.short_abandon_seconds
    return [
        func.count().label("offered"),
        func.count(_v.answered_at).label("answered"),
        func.count().filter(answered, wait <= rules.service_level_seconds).label("answered_in_sl"),
        func.count().filter(abandoned, ~short).label("abandoned"),
        func.count().filter(abandoned, short).label("short_abandons"),
        func.coalesce(func.sum(wait).filter(answered), 0).label("wait_answered_seconds"),
        func.max(_v.wait_seconds).label("longest_wait_seconds"),
        func.count(_v.talk_seconds).filter(answered).label("talked"),
        func.coalesce(func.sum(_v.talk_seconds).filter(answered), 0).label("talk_seconds"),
        func.count().filter(_v.outcome.in_(_TRANSFERRED_OUT)).label("transfers_out"),
        func.count().filter(_v.outcome == "escalated").label("escalations"),
    ]


async def queue_counts(
    engine: AsyncEngine, window: Window, rules: Thresholds, queues: Sequence[str] | None
) -> list[dict[str, Any]]:
    """One row per queue and bucket with visits: `queue`, `bucket` and the counts."""
    bucket = window.bucket(_v.joined_at).label("bucket")
    statement = (
        select(_v.queue, bucket, *_counts(rules))
        .where(*_in(window, queues))
        .group_by(_v.queue, bucket)
        .order_by(_v.queue, bucket)
    )
    async with engine.connect() as conn:
        return [dict(row) for row in (await conn.execute(statement)).mappings()]


async def abandoned_visits(
    engine: AsyncEngine,
    window: Window,
    queues: Sequence[str] | None,
    *,
    again_within: timedelta,
    limit: int,
) -> list[dict[str, Any]]:
    """Abandoned visits, oldest first, each with whether the caller was called back (a queue
    callback of the same call reached them) and when the same number or case next reached a
    queue within `again_within` (None: not again)."""
    later = queue_visits.alias("later")
    w = later.c
    same_caller = or_(
        and_(_v.caller_number.is_not(None), w.caller_number == _v.caller_number),
        and_(_v.case_key.is_not(None), w.case_key == _v.case_key),
    )
    called_again = (
        select(func.min(w.joined_at))
        .where(
            same_caller,
            w.call_id != _v.call_id,
            w.joined_at > _v.joined_at,
            w.joined_at < _v.joined_at + literal(again_within, Interval),
        )
        .scalar_subquery()
    )
    called_back = exists().where(
        queue_callbacks.c.call_id == _v.call_id, queue_callbacks.c.state == "connected"
    )
    statement = (
        select(
            _v.call_id,
            _v.joined_at,
            _v.ended_at,
            _v.queue,
            _v.caller_number,
            _v.wait_seconds,
            _v.position,
            called_back.label("called_back"),
            called_again.label("called_again_at"),
        )
        .where(*_in(window, queues), _v.outcome == "abandoned")
        .order_by(_v.joined_at, _v.id)
        .limit(limit)
    )
    async with engine.connect() as conn:
        return [dict(row) for row in (await conn.execute(statement)).mappings()]
