"""Who may log in, and setting a password: the rules behind the login page and the password
route, apart from HTTP.

The admin logs in as `admin` with the admin token as password; staff with their agent id and
the password they (or the admin) set, or one of their own API tokens (a lead who has a token
and no password yet, a wall display given a token). Every login and every failure is logged with the
username and peer, never the password; failures are counted (limits.py) per person and peer.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.config.agents import RosterAgent
from ccc_telephony.login import passwords
from ccc_telephony.login.limits import FailedLogins
from ccc_telephony.login.sessions import WebSessions
from ccc_telephony.store import web_login
from ccc_telephony.web.auth import ADMIN, TokenLookup, TokensUnavailable

log = structlog.get_logger(__name__)

# What a username may be in a log line: the roster's ids are short; anything else is cut.
LOGGED_USERNAME = 64
MAX_TOKEN = 200  # as web/auth.py looks tokens up


class WrongPassword(Exception):
    """Not the person's current password."""


class TooManyTries(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many wrong passwords; try again in {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class LoggedIn:
    who: str
    session: str  # the cookie's value


@dataclass(frozen=True, slots=True)
class Refused:
    """Wrong username or password (which one is never said), or too many tries."""

    retry_after: int | None = None


class Login:
    def __init__(
        self,
        *,
        engine: AsyncEngine,
        sessions: WebSessions,
        admin_token: str,
        roster: Callable[[], Mapping[str, RosterAgent]],
        clock: Callable[[], datetime],
        tokens: TokenLookup | None = None,
        failures: FailedLogins | None = None,
    ) -> None:
        """`tokens(token)`: the principal of a staff API token, if it is one."""
        self._engine = engine
        self._tokens = tokens
        self.sessions = sessions
        self._admin_token = admin_token.encode()
        self._roster = roster
        self._clock = clock
        self.failures = failures or FailedLogins()

    async def log_in(self, username: str, password: str, *, peer: str) -> LoggedIn | Refused:
        user = username.strip()[:LOGGED_USERNAME]
        refusal = self.failures.refused(user, peer)
        if refusal is not None:
            log.warning("login refused: too many failures", user=user, peer=peer, by=refusal.key)
            return Refused(retry_after=refusal.retry_after)
        if not await self._password_fits(user, password):
            self.failures.failed(user, peer)
            log.warning("login failed", user=user, peer=peer)
            return Refused()
        self.failures.succeeded(user)
        session = await self.sessions.open(user)
        log.info("logged in", user=user, peer=peer)
        return LoggedIn(user, session)

    async def log_out(self, session: str, *, peer: str) -> None:
        who = None
        with contextlib.suppress(TokensUnavailable):  # who it was is for the log line only
            who = await self.sessions.principal(session)
        await self.sessions.end(session)
        log.info("logged out", user=None if who is None else who.name, peer=peer)

    async def _password_fits(self, user: str, password: str) -> bool:
        if user == ADMIN.name:
            return hmac.compare_digest(password.encode(), self._admin_token)
        if user in self._roster() and await self._is_own_token(user, password):
            return True
        stored = None
        if user in self._roster():
            stored = await web_login.password_hash(self._engine, user)
        return await asyncio.to_thread(passwords.verify, password, stored)

    async def _is_own_token(self, user: str, password: str) -> bool:
        if self._tokens is None or not 0 < len(password) <= MAX_TOKEN:
            return False
        try:
            principal = await self._tokens(password)
        except TokensUnavailable:
            return False  # the password is still checked
        return principal is not None and principal.agent_id == user

    async def check_current_password(self, agent_id: str, password: str, *, peer: str) -> None:
        """An agent changing their own password proves they know the current one; wrong tries
        count against the same limit as logins (raises TooManyTries, WrongPassword)."""
        refusal = self.failures.refused(agent_id, peer)
        if refusal is not None:
            raise TooManyTries(refusal.retry_after)
        if not await self._password_fits(agent_id, password):
            self.failures.failed(agent_id, peer)
            log.warning("wrong current password", user=agent_id, peer=peer)
            raise WrongPassword(agent_id)

    async def set_password(self, agent_id: str, password: str, *, by: str) -> datetime:
        """Hash and store it; the agent's open sessions end (raises UnfitPassword, NotOnRoster)."""
        hashed = await asyncio.to_thread(passwords.hash_password, password)
        at = self._clock()
        await web_login.set_password(self._engine, agent_id, hashed, by=by, at=at)
        self.sessions.forget(agent_id)
        log.info("password set", agent=agent_id, by=by)
        return at
