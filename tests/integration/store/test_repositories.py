"""The small repositories (overrides, prompt audit) and the readiness ping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import asyncpg
import pytest

from ccc_telephony.hours.rules import Override
from ccc_telephony.store import overrides, prompts
from ccc_telephony.store.engine import ping
from tests.integration.support.proxy import TcpProxy

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

pytestmark = pytest.mark.integration


async def test_overrides_latest_active_wins_and_clear_ends_all(engine: AsyncEngine) -> None:
    now = datetime.now(UTC)
    await overrides.clear_override(engine, cleared_by="test-setup", now=now)
    expired = await overrides.set_override(
        engine, open=True, until=now - timedelta(minutes=1), reason="old", set_by="ann"
    )
    first = await overrides.set_override(
        engine, open=False, until=now + timedelta(hours=1), reason="snow", set_by="ann"
    )
    second = await overrides.set_override(
        engine, open=True, until=now + timedelta(hours=2), reason="event", set_by="bo"
    )
    assert expired < first < second

    active = await overrides.active_override(engine, now)
    assert active is not None and active.id == second
    assert active.to_override() == Override(
        open=True, until=active.until, reason="event", set_by="bo"
    )
    # Once the later one has expired, nothing older than it resurfaces as "latest".
    assert (await overrides.active_override(engine, now + timedelta(hours=3))) is None

    assert await overrides.clear_override(engine, cleared_by="carl", now=now) == 2
    assert await overrides.active_override(engine, now) is None
    listed = await overrides.list_overrides(engine, limit=3)
    assert [o.id for o in listed] == [second, first, expired]
    assert [o.cleared_by for o in listed] == ["carl", "carl", None]


@pytest.mark.parametrize("shift", [timedelta(days=-1), timedelta(days=365)])
async def test_clearing_follows_the_given_clock_not_the_databases(
    engine: AsyncEngine, shift: timedelta
) -> None:
    """The service's clock may be far from the database's (a shifted test clock, a skewed
    host): what it clears is what it believes is in force."""
    now = datetime.now(UTC) + shift
    await overrides.clear_override(engine, cleared_by="test-setup", now=now)
    await overrides.set_override(
        engine, open=False, until=now + timedelta(hours=2), reason="snow", set_by="ann"
    )
    assert await overrides.active_override(engine, now) is not None
    assert await overrides.clear_override(engine, cleared_by="carl", now=now) == 1
    assert await overrides.active_override(engine, now) is None


async def test_prompt_changes_are_audited(engine: AsyncEngine, db: asyncpg.Connection) -> None:
    new_id = await prompts.record_prompt_change(
        engine,
        prompt="welcome",
        language="hmn",
        source="phone",
        stored_path="/data/sounds/hmn/welcome.wav",
        set_by="admin",
    )
    row = await db.fetchrow("SELECT * FROM prompt_recordings WHERE id = $1", new_id)
    assert row is not None and (row["prompt"], row["source"]) == ("welcome", "phone")
    with pytest.raises(asyncpg.CheckViolationError):
        await db.execute(
            "INSERT INTO prompt_recordings (prompt, language, source, stored_path, set_by)"
            " VALUES ('x', 'en', 'fax', '/x', 'y')"
        )


async def test_ping_reports_whether_the_database_answers(
    engine: AsyncEngine, proxied_engine: AsyncEngine, proxy: TcpProxy
) -> None:
    assert await ping(engine)
    assert await ping(proxied_engine)
    await proxy.cut()
    assert not await ping(proxied_engine)
