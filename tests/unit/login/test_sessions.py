"""Browser sessions: the role is the roster's at each request, a leaver's session is refused,
an expired one too (even while remembered), and logout or a new password take effect at once
despite the look-up memory. The store is a dict here: the rules are under test, not SQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ccc_telephony.config.agents import RosterAgent
from ccc_telephony.login import sessions as sessions_module
from ccc_telephony.login.sessions import WebSessions
from ccc_telephony.store.web_login import SessionHolder
from ccc_telephony.web.auth import ADMIN, TokensUnavailable
from tests.unit.staff import ROSTER


class Store:
    """Stands in for store/web_login.py's session functions."""

    def __init__(self) -> None:
        self.rows: dict[str, SessionHolder] = {}
        self.reads = 0

    async def open_session(
        self, _engine: Any, key: str, *, who: str, at: datetime, expires_at: datetime
    ) -> int:
        self.rows[key] = SessionHolder(len(self.rows) + 1, who, expires_at)
        return len(self.rows)

    async def live_session(self, _engine: Any, key: str, now: datetime) -> SessionHolder | None:
        self.reads += 1
        holder = self.rows.get(key)
        return holder if holder is not None and holder.expires_at > now else None

    async def end_session(self, _engine: Any, key: str, _at: datetime) -> bool:
        return self.rows.pop(key, None) is not None


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2030, 3, 5, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch) -> Store:
    fake = Store()
    for name in ("open_session", "live_session", "end_session"):
        monkeypatch.setattr(sessions_module.web_login, name, getattr(fake, name))
    return fake


async def test_the_role_is_the_rosters_now_and_a_leaver_is_refused(store: Store) -> None:
    roster: dict[str, RosterAgent] = dict(ROSTER)
    sessions = WebSessions(None, roster=lambda: roster, clock=Clock(), admin_token="t1")  # type: ignore[arg-type]
    cookie = await sessions.open("lead")
    principal = await sessions.principal(cookie)
    assert principal is not None and (principal.role, principal.agent_id) == ("lead", "lead")
    roster["lead"] = roster["lead"].model_copy(update={"role": "worker"})
    demoted = await sessions.principal(cookie)
    assert demoted is not None and demoted.role == "agent"
    del roster["lead"]
    assert await sessions.principal(cookie) is None
    admin = await sessions.open("admin")
    assert await sessions.principal(admin) == ADMIN
    assert await sessions.principal("made-up") is None
    rotated = WebSessions(None, roster=lambda: roster, clock=Clock(), admin_token="t2")  # type: ignore[arg-type]
    assert await rotated.principal(admin) is None  # opened with the admin token since changed


async def test_expiry_logout_and_a_new_password_apply_at_once(store: Store) -> None:
    clock = Clock()
    sessions = WebSessions(None, roster=lambda: ROSTER, clock=clock, admin_token="t1")  # type: ignore[arg-type]
    ann, bob, cy = [await sessions.open(who) for who in ("ann", "bob", "cy")]
    for cookie in (ann, bob, cy):
        assert await sessions.principal(cookie) is not None
    reads = store.reads
    assert await sessions.principal(ann) is not None
    assert store.reads == reads  # remembered for a few seconds

    await sessions.end(ann)
    assert await sessions.principal(ann) is None
    store.rows = {k: v for k, v in store.rows.items() if v.who != "bob"}  # a new password
    sessions.forget("bob")
    assert await sessions.principal(bob) is None
    clock.now += sessions.lifetime + timedelta(seconds=1)
    assert await sessions.principal(cy) is None  # expired, though still remembered


async def test_before_the_roster_is_loaded_a_session_cannot_be_judged(store: Store) -> None:
    sessions = WebSessions(None, roster=lambda: None, clock=Clock(), admin_token="t1")  # type: ignore[arg-type]
    cookie = await sessions.open("ann")
    with pytest.raises(TokensUnavailable):
        await sessions.principal(cookie)
