"""Staff API tokens as the roster has them: a token only says whose it is; what its holder may
do is their role in the roster at the moment of the request (worker: agent, lead, supervisor).
A demoted lead loses lead rights at once, and an agent who left the roster is refused even
before their tokens are revoked.

A look-up costs a database query (which also stamps the token's last use), so answers, a
refusal included, are kept for a few seconds (web/token_cache.py), and only a few look-ups run
at once: a flood of made-up tokens waits here, not for the connections the rest of the
service needs, and is answered 503 when it waits too long. A revocation made by this process
takes effect at once; one made elsewhere (the CLI without the service) within the cache's
seconds.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.config.agents import Role, RosterAgent
from ccc_telephony.store import tokens
from ccc_telephony.store.tokens import TokenHolder, TokenRecord
from ccc_telephony.web.auth import Principal, TokensUnavailable
from ccc_telephony.web.auth import Role as ApiRole
from ccc_telephony.web.token_cache import TokenCache

log = structlog.get_logger(__name__)

API_ROLES: dict[Role, ApiRole] = {"worker": "agent", "lead": "lead", "supervisor": "supervisor"}
CACHE_SECONDS = 5.0
CACHE_ENTRIES = 10_000
CONCURRENT_LOOKUPS = 2
LOOKUP_WAIT_SECONDS = 1.0


class StaffTokens:
    def __init__(
        self, engine: AsyncEngine, *, roster: Callable[[], Mapping[str, RosterAgent] | None]
    ) -> None:
        """`roster()` is the active roster now (AgentService.roster), None until it is read
        from the database (then no staff token can be judged yet: 503, not 401)."""
        self._engine = engine
        self._roster = roster
        self._cache: TokenCache[TokenHolder] = TokenCache(
            ttl=CACHE_SECONDS, max_entries=CACHE_ENTRIES
        )
        self._lookups = asyncio.Semaphore(CONCURRENT_LOOKUPS)

    async def principal(self, token: str) -> Principal | None:
        """The web/auth.py look-up: who presents `token`, with their role from the roster."""
        key = tokens.digest(token)
        hit = self._cache.get(key)
        holder = hit.value if hit is not None else await self._look_up(key)
        if holder is None:
            return None
        roster = self._roster()
        if roster is None:
            raise TokensUnavailable("the roster is not loaded yet")
        agent = roster.get(holder.agent_id)
        if agent is None:
            log.warning("refused the token of an agent not in the roster", token=holder.token_id)
            return None
        return Principal(
            name=agent.id, role=API_ROLES[agent.role], agent_id=agent.id, token_id=holder.token_id
        )

    async def revoke(self, agent_id: str, *, by: str, token_id: int | None = None) -> list[int]:
        """Revoke an agent's live tokens (or one); refused from the next request on."""
        try:
            return await tokens.revoke(self._engine, agent_id, by=by, token_id=token_id)
        finally:
            self._cache.forget(lambda holder: holder.agent_id == agent_id)

    async def issued(self, agent_id: str) -> list[TokenRecord]:
        return await tokens.of_agent(self._engine, agent_id)

    def follow(self, roster: Mapping[str, RosterAgent]) -> None:
        """The roster changed: forget the tokens of anyone no longer in it (the database
        revoked them when they left), so that coming back cannot revive them."""
        self._cache.forget(lambda holder: holder.agent_id not in roster)

    async def _look_up(self, key: str) -> TokenHolder | None:
        generation = self._cache.generation()
        try:
            async with asyncio.timeout(LOOKUP_WAIT_SECONDS):
                await self._lookups.acquire()
        except TimeoutError:
            raise TokensUnavailable("too many token look-ups at once") from None
        try:
            holder = await tokens.use(self._engine, key)
        except Exception as exc:
            log.warning("cannot check an API token", error=type(exc).__name__)
            raise TokensUnavailable("the database did not answer") from None
        finally:
            self._lookups.release()
        self._cache.put(key, holder, generation)
        return holder
