"""Notices sent once, their e-mail retried until the SMTP server takes it.

The promise checks (the day's lists to supervisors, the confidential escalations to the leads)
owe each notice once, whatever happens to the service or the mail server meanwhile. A notice is
posted under a (kind, key) of its own (the day and the supervisor; the task): posting it again
answers that it was posted already, so a restart never sends a second list, and the caller
tells the live feed only for a notice newly posted. Its e-mail is tried at once and, while the
server is away, again at each `flush` (the checks' jobs run it), until it goes or a day has
passed (`GIVE_UP_AFTER`, then it stays in the record with why). A message the mailer refuses
(an SSN's shape) or that has nobody to go to is not retried.

Sending is serialized in the process (one service owns the outbox), so a retry and a first
try never send the same notice twice. If the service stops between the server taking a
message and the record saying so, the message goes again: at least once, never lost.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.mail import Mailer, Sent
from ccc_telephony.store import outbox as store
from ccc_telephony.store.outbox import OutboxRow

log = structlog.get_logger(__name__)

GIVE_UP_AFTER = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class Posted:
    """`new`: posted now (False: it was already, by an earlier run); `sent`: this try's
    result (None when it was posted already)."""

    new: bool
    sent: Sent | None

    @property
    def mailed(self) -> bool:
        return self.sent is not None and self.sent.ok


class Outbox:
    def __init__(
        self, *, engine: AsyncEngine, mailer: Mailer, clock: Callable[[], datetime]
    ) -> None:
        self._engine = engine
        self._mailer = mailer
        self._clock = clock
        self._sending = asyncio.Lock()

    async def post(
        self,
        kind: str,
        key: str,
        *,
        to: Sequence[str],
        subject: str,
        body: str,
        ids: Sequence[str] = (),
    ) -> Posted:
        """Post the notice once under (kind, key) and try its e-mail."""
        row = await store.post(
            self._engine,
            kind=kind,
            key=key,
            at=self._clock(),
            to=to,
            subject=subject,
            body=body,
            ids=ids,
        )
        if row is None:
            return Posted(new=False, sent=None)
        async with self._sending:
            return Posted(new=True, sent=await self._try(row))

    async def flush(self, kinds: Collection[str]) -> int:
        """Try again every notice of these kinds not yet sent; how many went."""
        went = 0
        async with self._sending:
            for row in await store.unsent(self._engine, kinds):
                current = await store.get(self._engine, row.kind, row.key)
                if current is not None and current.sent_at is None:
                    went += (await self._try(current)).ok
        return went

    async def _try(self, row: OutboxRow) -> Sent:
        sent = await self._mailer.send(row.recipients, row.subject, row.body, ids=row.ids)
        now = self._clock()
        give_up = not sent.retry or now - row.posted_at >= GIVE_UP_AFTER
        await store.tried(
            self._engine, row.kind, row.key, at=now, sent=sent.ok, error=sent.error, give_up=give_up
        )
        if not sent.ok:
            log.warning(
                "notice not mailed",
                kind=row.kind,
                key=row.key,
                tries=row.tries + 1,
                retried=not give_up,
                why=sent.error,
            )
        return sent
