"""The mail outbox's rows: a notice posted once under its (kind, key), with what became of its
e-mail. Every moment comes from the caller (the service's clock)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.store.tables import mail_outbox

_o = mail_outbox.c


@dataclass(frozen=True, slots=True)
class OutboxRow:
    kind: str
    key: str
    posted_at: datetime
    recipients: list[str]
    subject: str
    body: str
    ids: list[str]
    tries: int
    sent_at: datetime | None
    given_up_at: datetime | None
    last_error: str | None


async def post(
    engine: AsyncEngine,
    *,
    kind: str,
    key: str,
    at: datetime,
    to: Sequence[str],
    subject: str,
    body: str,
    ids: Sequence[str],
) -> OutboxRow | None:
    """The notice, stored; None if one was posted under this kind and key already."""
    statement = (
        insert(mail_outbox)
        .values(
            kind=kind,
            key=key,
            posted_at=at,
            recipients=list(to),
            subject=subject,
            body=body,
            ids=list(ids),
        )
        .on_conflict_do_nothing(index_elements=[_o.kind, _o.key])
        .returning(mail_outbox)
    )
    async with engine.begin() as conn:
        row = (await conn.execute(statement)).mappings().first()
    return None if row is None else OutboxRow(**row)


async def get(engine: AsyncEngine, kind: str, key: str) -> OutboxRow | None:
    statement = select(mail_outbox).where(_o.kind == kind, _o.key == key)
    async with engine.connect() as conn:
        row = (await conn.execute(statement)).mappings().first()
    return None if row is None else OutboxRow(**row)


async def unsent(engine: AsyncEngine, kinds: Collection[str]) -> list[OutboxRow]:
    """Notices of these kinds still to send, oldest first."""
    statement = (
        select(mail_outbox)
        .where(_o.kind.in_(list(kinds)), _o.sent_at.is_(None), _o.given_up_at.is_(None))
        .order_by(_o.posted_at, _o.key)
    )
    async with engine.connect() as conn:
        return [OutboxRow(**row) for row in (await conn.execute(statement)).mappings()]


async def tried(
    engine: AsyncEngine,
    kind: str,
    key: str,
    *,
    at: datetime,
    sent: bool,
    error: str | None,
    give_up: bool,
) -> None:
    """One try at sending the notice, and how it went."""
    values: dict[str, object] = {"tries": _o.tries + 1, "last_error": error}
    if sent:
        values["sent_at"] = at
    elif give_up:
        values["given_up_at"] = at
    statement = update(mail_outbox).where(_o.kind == kind, _o.key == key).values(values)
    async with engine.begin() as conn:
        await conn.execute(statement)
