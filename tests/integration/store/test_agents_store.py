"""The roster and the state intervals in PostgreSQL: seeded once, one open interval per agent,
intervals closed exactly where the next one starts, refusals kept."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING

import asyncpg
import pytest

from ccc_telephony.config.agents import RosterAgent
from ccc_telephony.store import agents
from ccc_telephony.store.agents import OpenState, RosterConflict

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

pytestmark = pytest.mark.integration

# An hour that has passed, whatever the day of the run.
T0 = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=2)
BOSS = RosterAgent(id="s-store", name="Sam Boss", extension="3901", team="ebd", role="supervisor")
WORKER = RosterAgent(
    id="w-store",
    name="Kia Vang",
    extension="3902",
    team="family",
    supervisor="s-store",
    languages=["en", "hmn"],
    protected_start=time(9, 30),
)


async def test_roster_seed_add_update_and_conflicts(engine: AsyncEngine) -> None:
    seeded = await agents.seed(engine, [WORKER, BOSS])  # supervisor listed after: still fine
    roster = {a.id: a for a in await agents.active(engine)}
    if seeded:
        assert roster["w-store"] == WORKER
    assert await agents.seed(engine, [BOSS]) == 0  # never twice
    with pytest.raises(RosterConflict, match="extension"):
        await agents.add(engine, BOSS.model_copy(update={"id": "other", "extension": "3902"}))
    with pytest.raises(RosterConflict, match="supervisor"):
        await agents.add(
            engine, BOSS.model_copy(update={"id": "x", "extension": "3999", "supervisor": "nobody"})
        )
    moved = WORKER.model_copy(update={"team": "ebd"})
    assert await agents.replace(engine, moved)
    assert {a.id: a for a in await agents.active(engine)}["w-store"].team == "ebd"
    assert await agents.deactivate(engine, "w-store", by="test")
    assert "w-store" not in {a.id for a in await agents.active(engine)}
    assert not await agents.replace(engine, moved)


async def test_a_leavers_extension_is_reused_and_a_returner_is_reactivated(
    engine: AsyncEngine,
) -> None:
    leaver = WORKER.model_copy(update={"id": "w-leaver", "extension": "3931"})
    await agents.add(engine, leaver)
    with pytest.raises(RosterConflict, match="id exists"):
        await agents.add(engine, leaver)
    await agents.deactivate(engine, "w-leaver", by="test")
    hire = leaver.model_copy(update={"id": "w-hire"})
    await agents.add(engine, hire)  # the extension is free again
    with pytest.raises(RosterConflict, match="extension"):
        await agents.add(engine, leaver)  # back, but the old extension is taken now
    back = leaver.model_copy(update={"extension": "3932", "team": "ebd"})
    await agents.add(engine, back)
    roster = {a.id: a for a in await agents.active(engine)}
    assert roster["w-leaver"] == back and roster["w-hire"].extension == "3931"
    for agent_id in ("w-leaver", "w-hire"):
        await agents.deactivate(engine, agent_id, by="test")


async def test_intervals_close_where_the_next_opens(
    engine: AsyncEngine, db: asyncpg.Connection
) -> None:
    agent = RosterAgent(id="w-int", name="Ana Ruiz", extension="3903", team="ebd")
    await agents.add(engine, agent)
    steps = [
        (OpenState("ready", None, T0), True),
        (OpenState("not_ready", "On Break", T0 + timedelta(minutes=10)), True),
        (OpenState("not_ready", "Meeting", T0 + timedelta(minutes=25)), True),
        (OpenState("call_inbound", None, T0 + timedelta(minutes=40), "ready", None), True),
        (
            OpenState("call_inbound", None, T0 + timedelta(minutes=40), "not_ready", "Last call"),
            False,
        ),
    ]
    for state, new_interval in steps:
        await agents.record(
            engine, "w-int", state, new_interval=new_interval, source="api", set_by="test"
        )
    now = await agents.current(engine)
    assert now["w-int"] == steps[-1][0]
    rows = await agents.history(engine, "w-int", since=T0, until=T0 + timedelta(hours=1))
    assert [(r.state, r.reason) for r in rows] == [
        ("ready", None),
        ("not_ready", "On Break"),
        ("not_ready", "Meeting"),
        ("call_inbound", None),
    ]
    assert all(a.ended_at == b.started_at for a, b in itertools.pairwise(rows))
    minutes = await db.fetch(
        """SELECT reason, EXTRACT(EPOCH FROM ended_at - started_at) / 60 AS minutes
           FROM agent_states WHERE agent_id = 'w-int' AND state = 'not_ready'
           ORDER BY started_at"""
    )
    assert [(r["reason"], float(r["minutes"])) for r in minutes] == [
        ("On Break", 15.0),
        ("Meeting", 15.0),
    ]
    with pytest.raises(Exception, match="uq_agent_states_one_open"):
        await db.execute(
            "INSERT INTO agent_states (agent_id, state, started_at, source) "
            "VALUES ('w-int', 'ready', now(), 'test')"
        )


async def test_refusals_are_kept(engine: AsyncEngine, db: asyncpg.Connection) -> None:
    agent = RosterAgent(id="l-ref", name="Lee", extension="3904", team="ebd", role="lead")
    await agents.add(engine, agent)
    await agents.record_refusal(
        engine,
        agent_id="l-ref",
        requested_state="not_ready",
        reason="On Break",
        queue="help",
        rule="ready_leads",
        outcome="refused",
        message="the help queue would have 0",
        requested_by="l-ref",
    )
    row = await db.fetchrow("SELECT * FROM agent_state_refusals WHERE agent_id = 'l-ref'")
    assert row is not None and row["outcome"] == "refused" and row["queue"] == "help"
