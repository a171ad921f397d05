"""A callback's place in line: a placeholder waiting in app_queue for the caller who hung up.

The placeholder is a Local channel the service originates (`Local/<id>@ccc-callback/n`): its
`;2` half runs Queue() at the position that keeps the caller's place (`rules.position_for`),
so app_queue itself keeps the order among real callers and picks the agent as for any caller
(strategy, pauses, wrap-up time, ring-no-answer). Its `;1` half enters our app only when an
agent answers (`service.CallbackService.answered`).

The row in PostgreSQL is the record; Asterisk only holds the placeholder. After a restart of
the service the placeholders still in Asterisk are left where they are (adopted: they keep
their place, and come to our app when answered); after a restart of Asterisk, or for a
placeholder that vanished, the callback waits again and is put back, in the order its callers
joined the queue. (A callback whose caller was being dialled is settled by the service first:
service.CallbackService.reconcile.)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any, Protocol

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.asterisk.ari import AriError
from ccc_telephony.callbacks.rules import (
    AGENT_HANDLER,
    CALLBACK_CONTEXT,
    Waiting,
    placeholder_ids,
    position_for,
)
from ccc_telephony.store import queue_callbacks as store
from ccc_telephony.store.queue_callbacks import CallbackRow

log = structlog.get_logger(__name__)

QueueLine = Callable[[], Awaitable[list[Waiting]]]
Clock = Callable[[], datetime]


class Ari(Protocol):
    app: str

    async def originate(
        self, params: Mapping[str, str | int], *, variables: Mapping[str, str] | None = ...
    ) -> Any: ...
    async def hangup(self, channel_id: str, reason: str = ...) -> None: ...


class PlaceInLine:
    def __init__(self, *, engine: AsyncEngine, ari: Ari, line: QueueLine, clock: Clock) -> None:
        self._engine = engine
        self._ari = ari
        self._line = line
        self._clock = clock

    async def position(self, queue: str, entered_at: datetime) -> int:
        """Where a caller who joined `queue` at `entered_at` belongs in its line now."""
        waiting = await self._line_of(queue)
        placeholders = {
            row.id: row.entered_at
            for row in await store.find(self._engine, states=("queued",), queue=queue)
        }
        return position_for(entered_at, self._clock(), waiting, placeholders)

    async def _line_of(self, queue: str) -> list[Waiting]:
        return [entry for entry in await self._line() if entry.queue == queue]

    async def put(self, row: CallbackRow) -> CallbackRow | None:
        """Put a waiting callback in line: at its caller's place the first time, at the head
        of the queue once an attempt went unanswered. None if it was no longer waiting, or
        Asterisk refused (it stays waiting and is tried again on the next round)."""
        position = 1 if row.attempts else await self.position(row.queue, row.entered_at)
        leg, queued = placeholder_ids(row.id, row.attempts + 1)
        now = self._clock()
        moved = await store.change(
            self._engine,
            row.id,
            only_from=("waiting",),
            at=now,
            values={"state": "queued", "placeholder": leg, "next_attempt_at": None},
        )
        if moved is None:
            return None
        try:
            await self._ari.originate(
                {
                    "endpoint": f"Local/{row.id}@{CALLBACK_CONTEXT}/n",
                    "app": self._ari.app,
                    "appArgs": f"{AGENT_HANDLER},{row.id}",
                    "channelId": leg,
                    "otherChannelId": queued,
                    "timeout": -1,  # waits in the queue as long as a caller would
                    "formats": "ulaw",
                },
                variables={
                    "CCC_QUEUE": row.queue,
                    "CCC_POSITION": str(position),
                    "CCC_LANGUAGE": row.language,
                    "CCC_CALL_ID": queued,
                    "CCC_CALLBACK_NUMBER": row.number,
                },
            )
        except AriError as exc:
            log.warning("callback not put in line", callback=row.id, status=exc.status)
            await store.change(
                self._engine,
                row.id,
                only_from=("queued",),
                at=now,
                values={"state": "waiting", "placeholder": None, "next_attempt_at": now},
            )
            return None
        log.info("callback in line", callback=row.id, queue=row.queue, position=position)
        return moved

    async def take_out(self, row: CallbackRow) -> None:
        """The placeholder leaves the queue (a cancelled callback)."""
        if row.placeholder is None:
            return
        try:
            await self._ari.hangup(row.placeholder)
        except AriError as exc:
            if exc.status != 404:
                raise

    async def put_due(self) -> int:
        """Every waiting callback whose time has come, in the order their callers joined."""
        due = await store.find(self._engine, states=("waiting",), due_before=self._clock())
        placed = [row for row in due if await self.put(row) is not None]
        return len(placed)

    async def reconcile(self, live: frozenset[str]) -> None:
        """After (re)connecting to Asterisk (`live`: the channels it has): placeholders still
        there are kept (adopted); those gone (Asterisk restarted) wait again, then all due go
        back in line in the order their callers joined."""
        now = self._clock()
        for row in await store.find(self._engine, states=("queued",)):
            if row.placeholder in live:
                log.info("callback placeholder adopted", callback=row.id)
                continue
            await store.change(
                self._engine,
                row.id,
                only_from=("queued",),
                at=now,
                values={"state": "waiting", "placeholder": None, "next_attempt_at": now},
            )
        await self.put_due()
