"""The call-event log: events are batched into PostgreSQL, or spooled to disk while it is down.

Nothing is lost: a batch the database does not take goes to the spool (fsynced) and from
then on every new event follows it there, in order, until a recovery loop has drained the
spool into the database. Only then do events go straight to the database again, so the
table always receives events in emit order. Replays are harmless: event_id is unique and
inserts use ON CONFLICT DO NOTHING, and the `calls` projection is applied only to events
that were newly inserted.

A batch that the database rejects for its data (not for being unreachable) would otherwise
block the log forever; such batches are retried one event at a time, an event whose
projection fails is stored without it, and an event the table itself refuses is kept in a
`.rejected` file beside the spool.

Event details may hold caller-controlled strings, so this module logs counts, names and
call ids, never details or database error messages about them.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import structlog
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.store import projection
from ccc_telephony.store.spool import Spool

log = structlog.get_logger(__name__)

RETRY_INITIAL_SECONDS = 0.2
RETRY_MAX_SECONDS = 5.0
# SQLSTATE classes that blame the data (22 data exception, 23 integrity constraint
# violation): retrying the same batch can never succeed, unlike a connection failure.
DATA_ERROR_CLASSES = frozenset({"22", "23"})

# A whole batch in one statement whose text does not depend on the batch's size, so that
# PostgreSQL (through asyncpg's statement cache) prepares it once; SQLAlchemy's multi-row VALUES
# would be rendered again for every size. Run with exec_driver_sql: asyncpg's $n parameters.
_INSERT_EVENTS = (
    "INSERT INTO call_events (event_id, call_id, at, name, details)"
    " SELECT * FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::text[], $5::jsonb[])"
    " ON CONFLICT (event_id) DO NOTHING RETURNING event_id"
)


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class CallEvent:
    """One thing that happened to a call. `details` is frozen to plain JSON at creation.

    Freezing copies the caller's mapping (later changes to it do not leak in) and turns values
    JSON cannot hold into their str(), so that spooling and the jsonb column always accept it.
    """

    call_id: str
    name: str
    details: Mapping[str, Any] = field(default_factory=dict)
    at: datetime = field(default_factory=_utc_now)
    event_id: UUID = field(default_factory=uuid4)

    def __post_init__(self) -> None:
        if self.at.utcoffset() is None:
            raise ValueError("CallEvent.at must be timezone-aware")
        object.__setattr__(self, "details", json.loads(json.dumps(dict(self.details), default=str)))

    def to_json(self) -> str:
        """One spool line (ASCII only, so any string survives, even a lone surrogate)."""
        return json.dumps(
            {
                "event_id": str(self.event_id),
                "call_id": self.call_id,
                "name": self.name,
                "at": self.at.isoformat(),
                "details": self.details,
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, line: str) -> CallEvent:
        data = json.loads(line)
        return cls(
            call_id=data["call_id"],
            name=data["name"],
            details=data["details"],
            at=datetime.fromisoformat(data["at"]),
            event_id=UUID(data["event_id"]),
        )


class _OutageError(Exception):
    """The database could not take `remaining` (in order); they must be spooled."""

    def __init__(self, remaining: Sequence[CallEvent], cause: BaseException) -> None:
        super().__init__(type(cause).__name__)
        self.remaining = list(remaining)


def _is_data_error(exc: BaseException) -> bool:
    if not isinstance(exc, DBAPIError) or exc.connection_invalidated:
        return False
    sqlstate = getattr(exc.orig, "sqlstate", None)
    return isinstance(sqlstate, str) and sqlstate[:2] in DATA_ERROR_CLASSES


def _sqlstate(exc: BaseException) -> str | None:
    orig = exc.orig if isinstance(exc, DBAPIError) else None
    value = getattr(orig, "sqlstate", None)
    return value if isinstance(value, str) else None


class EventWriter:
    """Owns the path from `emit()` to the call_events table. Use from one event loop."""

    def __init__(
        self,
        *,
        engine: AsyncEngine,
        spool_path: Path,
        batch_size: int = 200,
        flush_interval: float = 0.05,
        on_write: Callable[[int, float], None] | None = None,
        on_degraded: Callable[[bool], None] | None = None,
        rules: projection.ProjectionRules | None = None,
    ) -> None:
        """`on_write(n_events, seconds)` feeds a latency metric; `on_degraded(state)` a
        health gauge (True when events start going to the spool, False once drained);
        `rules` are the policy's numbers the projections need (the defaults otherwise)."""
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self._engine = engine
        self._spool = Spool(spool_path)
        self._rejects = Spool(spool_path.with_name(spool_path.name + ".rejected"))
        self._batch_size = batch_size
        self._flush_interval = flush_interval
        self._on_write = on_write
        self._on_degraded = on_degraded
        self._rules = rules or projection.ProjectionRules()
        self._stored: list[Callable[[Sequence[CallEvent]], None]] = []
        self._pending: deque[CallEvent] = deque()
        self._inflight: list[CallEvent] = []  # taken from _pending, not yet durable anywhere
        self._wake = asyncio.Event()  # an emit or stop happened
        self._full = asyncio.Event()  # a whole batch is pending, or stop
        self._idle = asyncio.Event()  # every emitted event is in the database
        self._idle.set()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._stopped = False
        self._degraded = False
        self._drain_offset = 0
        self._spooled = 0
        self._written = 0

    @property
    def degraded(self) -> bool:
        """True while events go to the spool instead of the database."""
        return self._degraded

    @property
    def spooled(self) -> int:
        """Events in the spool now, waiting for the database."""
        return self._spooled

    @property
    def written(self) -> int:
        """Events this writer inserted into the database (replayed duplicates not counted)."""
        return self._written

    def on_stored(self, listener: Callable[[Sequence[CallEvent]], None]) -> None:
        """`listener(events)` after each commit, with the events newly stored and projected
        (the rows they make exist now): e.g. a message left after hours, told live once it is
        a message. Never for a replayed duplicate; it must not block (schedule any I/O)."""
        self._stored.append(listener)

    def emit(self, event: CallEvent) -> None:
        """Queue an event; never blocks on I/O, never raises (after stop it spools directly)."""
        if self._stopped or (self._task is not None and self._task.done()):
            self._save([event], reason="emitted with no writer running")
            return
        self._pending.append(event)
        self._idle.clear()
        self._wake.set()
        if len(self._pending) >= self._batch_size:
            self._full.set()

    async def start(self) -> None:
        """Start writing; a spool left by an earlier run is drained before any new event."""
        if self._task is not None:
            raise RuntimeError("EventWriter already started")
        await asyncio.to_thread(self._spool.repair)
        self._spooled = await asyncio.to_thread(self._spool.count)
        if self._spooled:
            log.info("found spooled events from an earlier run", events=self._spooled)
            self._set_degraded(True)
        self._task = asyncio.create_task(self._run(), name="event-writer")

    async def stop(self) -> None:
        """Flush what is pending to the database (or to the spool if it is down), then return.

        While degraded it tries the database once more (draining the spool if it answers) but
        does not wait for it: what is left stays spooled for the next start. Cancelling stop()
        cancels the writer, which then spools whatever it still holds in memory.
        """
        if self._stopped:
            return
        self._stopping = True
        self._wake.set()
        self._full.set()
        try:
            if self._task is not None:
                await self._task
            elif self._pending:
                await asyncio.to_thread(self._save, list(self._pending), "never started")
                self._pending.clear()
        finally:
            self._stopped = True

    async def wait_idle(self) -> None:
        """Return once every emitted event is in the database (the spool, if any, drained)."""
        if self._task is None:
            raise RuntimeError("EventWriter not started")
        idle = asyncio.ensure_future(self._idle.wait())
        try:
            await asyncio.wait({idle, self._task}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            idle.cancel()
        if self._task.done() and not self._idle.is_set():
            self._task.result()
            raise RuntimeError("EventWriter stopped before all events were written")

    # -- the writer task -------------------------------------------------------------

    async def _run(self) -> None:
        try:
            while True:
                if self._degraded:
                    await self._recover()
                    if self._degraded:  # stopping while the database is down
                        await self._spool_pending()
                        return
                    continue
                batch = await self._next_batch()
                if batch is None:
                    return
                await self._write_live(batch)
        except BaseException as exc:
            # Cancelled (stop() was cancelled, loop shutdown) or a bug: keep what is in memory.
            self._save([*self._inflight, *self._pending], reason=type(exc).__name__)
            self._inflight = []
            self._pending.clear()
            raise

    async def _next_batch(self) -> list[CallEvent] | None:
        """Wait for events, then up to flush_interval for a full batch; None once stopped."""
        while not self._pending:
            self._idle.set()
            if self._stopping:
                return None
            self._wake.clear()
            await self._wake.wait()
        if len(self._pending) < self._batch_size and not self._stopping:
            self._full.clear()
            try:
                async with asyncio.timeout(self._flush_interval):
                    await self._full.wait()
            except TimeoutError:
                pass
        return [self._pending.popleft() for _ in range(min(self._batch_size, len(self._pending)))]

    async def _write_live(self, batch: list[CallEvent]) -> None:
        self._inflight = batch
        try:
            await self._write_resilient(batch)
        except _OutageError as outage:
            log.warning(
                "database unavailable; spooling events",
                events=len(outage.remaining),
                error=str(outage),
            )
            # Back to the front of the queue: _recover spools them first, keeping the order.
            self._pending.extendleft(reversed(outage.remaining))
            self._set_degraded(True)
        finally:
            self._inflight = []

    async def _recover(self) -> None:
        """Drain the spool, retrying with backoff. Returns once drained (no longer degraded),
        or still degraded when stop() was called and the database did not take the spool."""
        delay = RETRY_INITIAL_SECONDS
        while True:
            await self._spool_pending()
            try:
                await self._drain()
                return
            except (_OutageError, OSError) as exc:
                if self._stopping:
                    log.warning("stopping with events left in the spool", events=self._spooled)
                    return
                log.info("spool not drained yet", error=type(exc).__name__, retry_in=delay)
                await self._pause(delay)
                delay = min(delay * 2, RETRY_MAX_SECONDS)

    async def _drain(self) -> None:
        """Spool → database in order and in batches, until it is empty and we are back on the
        direct path. New events keep going to the spool's end until then."""
        while True:
            await self._spool_pending()
            chunk = await asyncio.to_thread(self._spool.read, self._drain_offset, self._batch_size)
            if not chunk.lines and chunk.end == self._drain_offset:
                # Only this task appends, and it is here: nothing can land between the read
                # and the clear. Events emitted meanwhile are in _pending, after the spool.
                await asyncio.to_thread(self._spool.clear)
                self._drain_offset = 0
                self._spooled = 0
                self._set_degraded(False)
                log.info("spool drained; writing to the database directly")
                return
            events = self._parse(chunk.lines)
            if events:
                await self._write_resilient(events)
            self._drain_offset = chunk.end
            self._spooled = max(0, self._spooled - len(chunk.lines))

    async def _pause(self, seconds: float) -> None:
        """Sleep before the next retry, spooling new events as they come; stop cuts it short."""
        deadline = asyncio.get_running_loop().time() + seconds
        spool_ok = True
        while not self._stopping:
            if spool_ok and self._pending:
                spool_ok = await self._spool_pending()
                continue
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                return
            self._wake.clear()
            try:
                async with asyncio.timeout(remaining):
                    await self._wake.wait()
            except TimeoutError:
                return

    async def _spool_pending(self) -> bool:
        """Move everything queued in memory to the spool; False (events kept) if disk fails."""
        while self._pending:
            events = list(self._pending)
            self._pending.clear()
            self._inflight = events
            try:
                await asyncio.to_thread(self._spool.append, [e.to_json() for e in events])
            except OSError as exc:
                log.error("cannot write spool; keeping events in memory", error=str(exc))
                self._pending.extendleft(reversed(events))
                return False
            finally:
                self._inflight = []
            self._spooled += len(events)
        return True

    # -- database writes -------------------------------------------------------------

    async def _write_resilient(self, events: Sequence[CallEvent]) -> None:
        """Write in one transaction; if the data is refused, fall back to one at a time."""
        try:
            await self._write_batch(events, project=True)
            return
        except Exception as exc:
            if not _is_data_error(exc):
                raise _OutageError(events, exc) from exc
            log.warning(
                "database refused a batch; writing it one event at a time",
                events=len(events),
                sqlstate=_sqlstate(exc),
            )
        for index, event in enumerate(events):
            await self._write_single(event, events[index:])

    async def _write_single(self, event: CallEvent, remaining: Sequence[CallEvent]) -> None:
        sqlstate = None
        for project in (True, False):
            try:
                await self._write_batch([event], project=project)
            except Exception as exc:
                if not _is_data_error(exc):
                    raise _OutageError(remaining, exc) from exc
                sqlstate = _sqlstate(exc)
                continue
            if not project:
                log.warning(
                    "event stored without its calls projection",
                    call_id=event.call_id,
                    name=event.name,
                    sqlstate=sqlstate,
                )
            return
        await asyncio.to_thread(self._save, [event], "refused by the database", self._rejects)

    async def _write_batch(self, events: Sequence[CallEvent], *, project: bool) -> None:
        started = time.perf_counter()
        columns = (
            [e.event_id for e in events],
            [e.call_id for e in events],
            [e.at for e in events],
            [e.name for e in events],
            [json.dumps(e.details) for e in events],
        )
        new: list[CallEvent] = []
        async with self._engine.begin() as conn:
            inserted = {row[0] for row in await conn.exec_driver_sql(_INSERT_EVENTS, columns)}
            new_count = len(inserted)
            if project:
                # Already stored events (replays) had their projection applied then.
                new = [e for e in events if e.event_id in inserted]
                await projection.project(conn, new, self._rules)
        elapsed = time.perf_counter() - started
        self._written += new_count
        if self._on_write is not None:
            _notify(self._on_write, len(events), elapsed)
        if new:
            for listener in self._stored:
                _notify(listener, new)

    # -- helpers -----------------------------------------------------------------------

    def _parse(self, lines: Sequence[str]) -> list[CallEvent]:
        events = []
        for line in lines:
            try:
                events.append(CallEvent.from_json(line))
            except (ValueError, KeyError, TypeError):
                log.warning("skipping unreadable spool line", path=str(self._spool.path))
        return events

    def _save(self, events: Sequence[CallEvent], reason: str, spool: Spool | None = None) -> None:
        """Synchronous append for the paths that cannot await (emit after stop, cancel)."""
        if not events:
            return
        target = spool or self._spool
        try:
            target.append([e.to_json() for e in events])
        except OSError as exc:
            log.error("events lost: cannot write spool", events=len(events), error=str(exc))
            return
        if target is self._spool:
            self._spooled += len(events)
        log.warning("events written to file", events=len(events), path=str(target.path), why=reason)

    def _set_degraded(self, degraded: bool) -> None:
        if degraded == self._degraded:
            return
        self._degraded = degraded
        if degraded:
            self._idle.clear()
        if self._on_degraded is not None:
            _notify(self._on_degraded, degraded)


def _notify(callback: Callable[..., None], *args: object) -> None:
    """Metric and health hooks must never break (or stall) the path of the events."""
    try:
        callback(*args)
    except Exception:
        log.exception("event writer callback failed")
