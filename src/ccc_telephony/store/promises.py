"""What the call center owes callers and staff right now, counted for the wallboard: queue
callbacks still to make, messages not returned (and those due soon or overdue), escalation
follow-ups open, confidential callbacks owed. Counts only: the wallboard shows no caller data.
One round trip, each count on an index of its table's open rows.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Table, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.store.tables import (
    confidential_callbacks,
    escalation_followups,
    messages,
    queue_callbacks,
)

OPEN_CALLBACK = ("waiting", "queued", "dialling")
OPEN_MESSAGE_NOT = ("returned", "unreachable")
OPEN_CONFIDENTIAL = ("owed", "returning")


@dataclass(frozen=True, slots=True)
class Promises:
    callbacks_owed: int
    messages_open: int
    messages_due_soon: int
    messages_overdue: int
    escalations_open: int
    escalations_overdue: int
    confidential_owed: int
    confidential_overdue: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


async def promises(engine: AsyncEngine, *, now: datetime, messages_soon: timedelta) -> Promises:
    """The counts at `now`; "due soon" is within the policy's warning time before due."""
    open_message = messages.c.state.not_in(OPEN_MESSAGE_NOT)
    open_escalation = escalation_followups.c.status != "resolved"
    open_confidential = confidential_callbacks.c.state.in_(OPEN_CONFIDENTIAL)
    query = select(
        _count(queue_callbacks, queue_callbacks.c.state.in_(OPEN_CALLBACK)),
        _count(messages, open_message),
        _count(
            messages,
            open_message & (messages.c.due_at >= now) & (messages.c.due_at < now + messages_soon),
        ),
        _count(messages, open_message & (messages.c.due_at < now)),
        _count(escalation_followups, open_escalation),
        _count(escalation_followups, open_escalation & (escalation_followups.c.due_at < now)),
        _count(confidential_callbacks, open_confidential),
        _count(confidential_callbacks, open_confidential & (confidential_callbacks.c.due_at < now)),
    )
    async with engine.connect() as conn:
        row = (await conn.execute(query)).one()
    return Promises(*(int(value) for value in row))


def _count(table: Table, where: ColumnElement[bool]) -> ColumnElement[int]:
    return select(func.count()).select_from(table).where(where).scalar_subquery()
