"""Staff tokens as the roster has them, with the database's answers stood in for: the role is
the roster's at each request, one query per token for a few seconds, a revocation forgets at
once, and look-ups that cannot be made now are refused as unavailable, not as bad tokens."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from ccc_telephony.agents import access
from ccc_telephony.agents.access import StaffTokens
from ccc_telephony.config.agents import RosterAgent
from ccc_telephony.store import tokens
from ccc_telephony.store.tokens import TokenHolder
from ccc_telephony.web.auth import Principal, TokensUnavailable


class Database:
    """What store/tokens.py would answer, and how often it was asked."""

    def __init__(self) -> None:
        self.live = {tokens.digest("toms"): TokenHolder(7, "tom")}
        self.queries = 0
        self.asked = asyncio.Event()
        self.gate: asyncio.Event | None = None  # while set and not open, answers wait
        self.down = False

    async def use(self, _engine: Any, token_sha256: str) -> TokenHolder | None:
        self.queries += 1
        self.asked.set()
        if self.down:
            raise OSError("connection refused")
        holder = self.live.get(token_sha256)  # read now, answered when the gate opens
        if self.gate is not None:
            await self.gate.wait()
        return holder

    async def revoke(
        self, _engine: Any, agent_id: str, *, by: str, token_id: int | None
    ) -> list[int]:
        revoked = [h.token_id for k, h in self.live.items() if h.agent_id == agent_id]
        self.live = {k: h for k, h in self.live.items() if h.agent_id != agent_id}
        return revoked


@pytest.fixture
def database(monkeypatch: pytest.MonkeyPatch) -> Database:
    db = Database()
    monkeypatch.setattr(tokens, "use", db.use)
    monkeypatch.setattr(tokens, "revoke", db.revoke)
    return db


def _tom(role: str) -> dict[str, RosterAgent]:
    return {"tom": RosterAgent(id="tom", name="Tom", extension="3001", team="ebd", role=role)}  # type: ignore[arg-type]


async def test_the_role_is_the_rosters_at_each_request(database: Database) -> None:
    roster = _tom("lead")
    staff = StaffTokens(None, roster=lambda: roster)  # type: ignore[arg-type]
    assert await staff.principal("toms") == Principal("tom", "lead", "tom", token_id=7)
    roster = _tom("worker")  # demoted
    assert await staff.principal("toms") == Principal("tom", "agent", "tom", token_id=7)
    roster = _tom("supervisor")
    assert (await staff.principal("toms")).role == "supervisor"  # type: ignore[union-attr]
    roster = {}  # left the roster
    assert await staff.principal("toms") is None
    assert database.queries == 1  # one look-up, remembered; the role never cached


async def test_refusals_are_remembered_and_revocations_forgotten_at_once(
    database: Database,
) -> None:
    staff = StaffTokens(None, roster=lambda: _tom("worker"))  # type: ignore[arg-type]
    for _ in range(3):
        assert await staff.principal("made-up") is None
    assert database.queries == 1
    assert await staff.principal("toms") is not None
    assert await staff.revoke("tom", by="admin") == [7]
    assert await staff.principal("toms") is None  # not the remembered answer


async def test_a_look_up_under_way_when_the_token_is_revoked_is_not_remembered(
    database: Database,
) -> None:
    staff = StaffTokens(None, roster=lambda: _tom("worker"))  # type: ignore[arg-type]
    database.gate = asyncio.Event()
    under_way = asyncio.create_task(staff.principal("toms"))
    await database.asked.wait()  # the database has read the token as live...
    assert await staff.revoke("tom", by="admin") == [7]  # ...then it is revoked
    database.gate.set()
    assert await under_way is not None  # that request was made before the revocation
    assert await staff.principal("toms") is None  # but its answer was not kept


async def test_a_look_up_that_cannot_be_made_now_is_unavailable(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    staff = StaffTokens(None, roster=lambda: _tom("worker"))  # type: ignore[arg-type]
    database.down = True
    with pytest.raises(TokensUnavailable):
        await staff.principal("toms")
    database.down = False
    loading = StaffTokens(None, roster=lambda: None)  # type: ignore[arg-type]
    with pytest.raises(TokensUnavailable, match="not loaded"):
        await loading.principal("toms")
    database.down = False
    database.gate = asyncio.Event()
    monkeypatch.setattr(access, "LOOKUP_WAIT_SECONDS", 0.01)
    waiting = [asyncio.create_task(staff.principal(f"flood-{n}")) for n in range(3)]
    with pytest.raises(TokensUnavailable, match="too many"):
        await waiting[2]  # two look-ups at once at most; the third waits, then gives up
    database.gate.set()
    assert await asyncio.gather(*waiting[:2]) == [None, None]


async def test_a_leaver_who_comes_back_does_not_revive_a_remembered_token(
    database: Database,
) -> None:
    roster = _tom("worker")
    staff = StaffTokens(None, roster=lambda: roster)  # type: ignore[arg-type]
    assert await staff.principal("toms") is not None
    roster = {}
    database.live.clear()  # leaving the roster revoked his tokens in the database
    staff.follow(roster)
    roster = _tom("worker")  # back, within the cache's seconds
    assert await staff.principal("toms") is None
