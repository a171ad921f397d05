"""Staff mailboxes: each agent's (the roster's `agents` rows, departed ones too) with what it
has of its own (`mailboxes`), the delegates supervisors name, and the audit of every access.

Every moment here comes from the caller (the service's clock), never the database's now().
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import delete, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.config.agents import RosterAgent
from ccc_telephony.store.agents import agent_of
from ccc_telephony.store.tables import agents, mailbox_access, mailbox_delegates, mailboxes

GreetingKind = Literal["in_office", "away"]
_m = mailboxes.c


@dataclass(frozen=True, slots=True)
class MailboxRecord:
    agent: RosterAgent
    active: bool  # in the roster; False: a departed agent's mailbox
    greeting_in_office: str | None = None
    greeting_away: str | None = None
    greeting_away_at: datetime | None = None  # when the away greeting was recorded
    away_until: datetime | None = None
    keep_greeting: bool = False
    disconnected_at: datetime | None = None
    flagged: str | None = None

    @property
    def id(self) -> str:
        return self.agent.id

    def greeting(self, kind: GreetingKind) -> str | None:
        return self.greeting_in_office if kind == "in_office" else self.greeting_away


def _record(row: Any) -> MailboxRecord:
    return MailboxRecord(
        agent=agent_of(row),
        active=bool(row["active"]),
        greeting_in_office=row["greeting_in_office"],
        greeting_away=row["greeting_away"],
        greeting_away_at=row["greeting_away_at"],
        away_until=row["away_until"],
        keep_greeting=bool(row["keep_greeting"]),
        disconnected_at=row["disconnected_at"],
        flagged=row["flagged"],
    )


_JOINED = select(
    agents, *(c for c in mailboxes.c if c.name not in ("agent_id", "updated_at"))
).select_from(agents.outerjoin(mailboxes, _m.agent_id == agents.c.id))


async def find(engine: AsyncEngine, agent_id: str) -> MailboxRecord | None:
    async with engine.connect() as conn:
        row = (await conn.execute(_JOINED.where(agents.c.id == agent_id))).mappings().first()
    return None if row is None else _record(row)


async def at_extension(engine: AsyncEngine, extension: str) -> MailboxRecord | None:
    """The mailbox a caller reaches at this extension: the active agent's, else the latest
    departed agent's who had it (a leaver's extension may go to the next hire)."""
    query = (
        _JOINED.where(agents.c.extension == extension)
        .order_by(agents.c.active.desc(), agents.c.updated_at.desc())
        .limit(1)
    )
    async with engine.connect() as conn:
        row = (await conn.execute(query)).mappings().first()
    return None if row is None else _record(row)


async def every(engine: AsyncEngine) -> list[MailboxRecord]:
    """Every mailbox still answering: the roster's and departed agents' not disconnected."""
    query = _JOINED.where(_m.disconnected_at.is_(None)).order_by(agents.c.id)
    async with engine.connect() as conn:
        return [_record(row) for row in (await conn.execute(query)).mappings()]


async def update_mailbox(
    engine: AsyncEngine, agent_id: str, at: datetime, **values: object
) -> None:
    """Set some of a mailbox's own columns (its row is made on first use)."""
    statement = pg_insert(mailboxes).values(agent_id=agent_id, updated_at=at, **values)
    statement = statement.on_conflict_do_update(
        index_elements=[_m.agent_id], set_={"updated_at": at, **values}
    )
    async with engine.begin() as conn:
        await conn.execute(statement)


async def delegates(engine: AsyncEngine) -> dict[str, frozenset[str]]:
    """Mailbox -> the delegates named for it."""
    found: dict[str, set[str]] = {}
    async with engine.connect() as conn:
        for mailbox, delegate in await conn.execute(
            select(mailbox_delegates.c.mailbox, mailbox_delegates.c.delegate)
        ):
            found.setdefault(mailbox, set()).add(delegate)
    return {mailbox: frozenset(names) for mailbox, names in found.items()}


async def name_delegate(
    engine: AsyncEngine, mailbox: str, delegate: str, *, by: str, at: datetime
) -> None:
    statement = pg_insert(mailbox_delegates).values(
        mailbox=mailbox, delegate=delegate, named_by=by, named_at=at
    )
    async with engine.begin() as conn:
        await conn.execute(statement.on_conflict_do_nothing())


async def remove_delegate(engine: AsyncEngine, mailbox: str, delegate: str) -> bool:
    d = mailbox_delegates.c
    async with engine.begin() as conn:
        result = await conn.execute(
            delete(mailbox_delegates).where(d.mailbox == mailbox, d.delegate == delegate)
        )
    return bool(result.rowcount)


async def audit(
    engine: AsyncEngine,
    *,
    at: datetime,
    who: str,
    mailbox: str,
    action: str,
    allowed: bool = True,
    message_id: int | None = None,
    details: Mapping[str, Any] | None = None,
) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            insert(mailbox_access).values(
                at=at,
                who=who,
                mailbox=mailbox,
                action=action,
                allowed=allowed,
                message_id=message_id,
                details=dict(details or {}),
            )
        )


async def access_log(engine: AsyncEngine, mailbox: str, *, limit: int) -> list[dict[str, Any]]:
    a = mailbox_access.c
    query = select(mailbox_access).where(a.mailbox == mailbox).order_by(a.at.desc()).limit(limit)
    async with engine.connect() as conn:
        return [dict(row) for row in (await conn.execute(query)).mappings()]
