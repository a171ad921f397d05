"""The message book against a real PostgreSQL: a message stored with its due time and its
'left' action, the mailbox's counts for the message-waiting light, state changes with their
history, the unreturned list, and what is never kept (an SSN as a case number, a caller ID
that is not a number)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pytest

from ccc_telephony.config.agents import RosterAgent
from ccc_telephony.config.policy import load_policy
from ccc_telephony.config.settings import DEFAULT_POLICY
from ccc_telephony.live.feed import Audience
from ccc_telephony.messages.book import MessageBook

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

pytestmark = pytest.mark.integration

CHICAGO = ZoneInfo("America/Chicago")
POLICY = load_policy(DEFAULT_POLICY)


def _working_morning() -> datetime:
    """09:30 of a Monday to Thursday from next week on whose next day is a business day too
    (no holiday of the default policy on either): computed from today, never a fixed date."""
    holidays = {holiday.date for holiday in POLICY.holidays}
    day = date.today() + timedelta(days=7)
    while day.weekday() > 3 or day in holidays or day + timedelta(days=1) in holidays:
        day += timedelta(days=1)
    return datetime.combine(day, time(9, 30), tzinfo=CHICAGO)


MORNING = _working_morning()


class Published(list[tuple[str, Mapping[str, Any], Audience]]):
    def __call__(self, kind: str, data: Mapping[str, Any], audience: Audience) -> int:
        self.append((kind, data, audience))
        return 1


def _book(engine: AsyncEngine, agent: str, published: Published) -> MessageBook:
    worker = RosterAgent(id=agent, name="Ana", extension="2001", team="ebd")
    return MessageBook(
        engine=engine,
        clock=lambda: MORNING,
        policy=POLICY,
        roster=lambda: {agent: worker},
        publish=published,
    )


async def test_a_message_is_due_by_the_end_of_its_owners_workday(engine: AsyncEngine) -> None:
    agent, published = f"ana-{secrets.token_hex(3)}", Published()
    book = _book(engine, agent, published)
    changed: list[str] = []

    async def light(mailbox: str) -> None:
        changed.append(mailbox)

    book.on_change = light
    row = await book.take(
        source="mailbox",
        mailbox=agent,
        call_id=f"call-{secrets.token_hex(4)}",
        recording="message-1",
        language="es",
        caller_number="+16085551234",
        case_number="1234567890",
        duration_seconds=7.5,
    )
    assert (row.owner, row.state, row.attempts) == (agent, "new", 0)
    assert row.due_at == MORNING.replace(hour=16, minute=30)
    assert (row.caller_number, row.case_number) == ("+16085551234", "1234567890")
    assert changed == [agent]
    assert published[0][0] == "message_left" and published[0][1]["id"] == row.id
    assert (await book.counts(agent)).new == 1

    heard = await book.mark(row.id, who=agent, action="heard", state="heard", only_from=("new",))
    assert heard is not None and (heard.state, heard.state_by) == ("heard", agent)
    assert (
        await book.mark(row.id, who=agent, action="heard", state="heard", only_from=("new",))
        is None
    )
    counts = await book.counts(agent)
    assert (counts.new, counts.old) == (0, 1)
    assert [m.id for m in await book.unreturned({agent})] == [row.id]

    await book.mark(row.id, who=agent, action="returned", state="returned")
    assert await book.unreturned({agent}) == []
    assert [a.action for a in await book.actions(row.id)] == ["left", "heard", "returned"]
    assert changed == [agent, agent, agent]


async def test_what_a_message_never_keeps(engine: AsyncEngine) -> None:
    published = Published()
    book = _book(engine, f"ana-{secrets.token_hex(3)}", published)
    call_id = f"call-{secrets.token_hex(4)}"
    row = await book.take(
        source="after_hours",
        queue="ebd",
        call_id=call_id,
        recording="message-2",
        language="en",
        caller_number="Anonymous\r\nX-Evil: 1",
        case_number="123456789",  # SSN-shaped: not a case number
    )
    assert (row.caller_number, row.case_number, row.owner) == (None, None, None)
    assert row.due_at == (MORNING + timedelta(days=1)).replace(hour=12, minute=0)
    again = await book.take(
        source="after_hours", queue="ebd", call_id=call_id, recording="message-2", language="en"
    )
    assert again.id == row.id  # a retried write stores nothing twice
