"""Browser sessions: a login opens one, its cookie is a random id, and each request's
principal is read from it with the role the roster gives now (as for API tokens: a demoted
lead loses lead rights at once, a leaver is refused).

The admin's sessions are stamped with a fingerprint of the admin token they logged in with:
once the token is changed (a leak, a leaver), every session opened with the old one is refused.

Look-ups are kept a few seconds (web/token_cache.py) so that a wallboard's reads do not cost a
query each; a logout or a new password in this process takes effect at once.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.agents.access import API_ROLES
from ccc_telephony.config.agents import RosterAgent
from ccc_telephony.store import web_login
from ccc_telephony.store.web_login import SessionHolder
from ccc_telephony.web.auth import ADMIN, Principal, TokensUnavailable
from ccc_telephony.web.token_cache import TokenCache

log = structlog.get_logger(__name__)

# A working day and then some: a wall display logged in at 07:30 stays so through the evening.
LIFETIME = timedelta(hours=14)
CACHE_SECONDS = 5.0
CACHE_ENTRIES = 10_000
# A cookie longer than this is none of ours (ours are 43 characters).
MAX_COOKIE = 200
ADMIN_PREFIX = "admin:"
Roster = Callable[[], Mapping[str, RosterAgent] | None]


class WebSessions:
    def __init__(
        self,
        engine: AsyncEngine,
        *,
        roster: Roster,
        clock: Callable[[], datetime],
        admin_token: str,
        lifetime: timedelta = LIFETIME,
    ) -> None:
        """`roster()`: the active roster, None until it is loaded (503 then, not 401)."""
        self._engine = engine
        # "admin:" and 16 hex digits of a hash of the token: no agent id has a colon, and so
        # little of a hash of a random token tells nothing about it.
        fingerprint = hashlib.sha256(b"web session " + admin_token.encode()).hexdigest()[:16]
        self._admin = f"{ADMIN_PREFIX}{fingerprint}"
        self._roster = roster
        self._clock = clock
        self.lifetime = lifetime
        self._cache: TokenCache[SessionHolder] = TokenCache(
            ttl=CACHE_SECONDS, max_entries=CACHE_ENTRIES
        )

    async def open(self, who: str) -> str:
        """A new session for `who` (an agent id or "admin"); the cookie's value, shown once."""
        session = secrets.token_urlsafe(32)
        now = self._clock()
        await web_login.open_session(
            self._engine,
            web_login.digest(session),
            who=self._admin if who == ADMIN.name else who,
            at=now,
            expires_at=now + self.lifetime,
        )
        return session

    async def principal(self, session: str) -> Principal | None:
        """Who holds this session now, with their role from the roster; None if it is not a
        live session (ended, expired, made up) or its agent left the roster."""
        if not session or len(session) > MAX_COOKIE:
            return None
        holder = await self._holder(web_login.digest(session))
        if holder is None or holder.expires_at <= self._clock():
            return None
        if holder.who == self._admin:
            return ADMIN
        if holder.who.startswith(ADMIN_PREFIX):
            return None  # opened with an admin token since changed
        roster = self._roster()
        if roster is None:
            raise TokensUnavailable("the roster is not loaded yet")
        agent = roster.get(holder.who)
        if agent is None:
            return None
        return Principal(name=agent.id, role=API_ROLES[agent.role], agent_id=agent.id)

    async def end(self, session: str) -> None:
        """Logout: the session is refused from the next request on."""
        key = web_login.digest(session)
        hit = self._cache.get(key)
        ended = hit.value.session_id if hit is not None and hit.value is not None else None
        self._cache.forget(lambda holder: holder.session_id == ended)
        await web_login.end_session(self._engine, key, self._clock())

    def forget(self, who: str) -> None:
        """`who`'s sessions were ended in the database (a new password): drop them here too."""
        self._cache.forget(lambda holder: holder.who == who)

    async def _holder(self, key: str) -> SessionHolder | None:
        hit = self._cache.get(key)
        if hit is not None:
            return hit.value
        generation = self._cache.generation()
        try:
            holder = await web_login.live_session(self._engine, key, self._clock())
        except Exception as exc:
            log.warning("cannot check a web session", error=type(exc).__name__)
            raise TokensUnavailable("the database did not answer") from None
        self._cache.put(key, holder, generation)
        return holder
