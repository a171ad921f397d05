"""Bearer-token authentication for every route but health and metrics.

Tokens are compared in constant time; a refused request is logged with its method, path and
peer but never with the token it presented. Staff tokens (agent, lead, supervisor) are looked
up by the agents feature, which reads the role from the roster at each request.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Literal

import structlog
from aiohttp import web
from aiohttp.typedefs import Middleware

from ccc_telephony.config.agents import RosterAgent, in_unit

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who made a request: the admin (the token from the secrets), or an agent with their
    role (agent, lead, supervisor) and the id of the token they used."""

    name: str
    role: Role
    agent_id: str | None = None
    token_id: int | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def who(self) -> str:
        """For audit columns: who, and with which token ("maria (token 12)")."""
        return self.name if self.token_id is None else f"{self.name} (token {self.token_id})"


class TokensUnavailable(Exception):
    """A staff token could not be checked now (the database is down or too busy): 503."""


Role = Literal["agent", "lead", "supervisor", "admin"]
ADMIN = Principal(name="admin", role="admin")
USER = web.RequestKey("user", Principal)
OPEN_PATHS = frozenset(
    {"/healthz", "/readyz", "/metrics", "/api/v1/openapi.json", "/", "/login", "/logout"}
)
# The pages' scripts, styles and icons: nothing in them is anyone's data.
OPEN_PREFIXES = ("/static/",)
# A browser's session (login/sessions.py) is accepted for reads only: every write still needs a
# bearer token, which a page on another site cannot make a browser send (no CSRF surface).
SESSION_METHODS = frozenset({"GET", "HEAD"})
# What a non-admin may reach at all; each route then checks whom the request may act on.
STAFF_PREFIXES = (
    "/api/v1/agents",
    "/api/v1/queues",
    "/api/v1/escalations",
    "/api/v1/callbacks",
    "/api/v1/signatures",
    "/api/v1/threats",
    "/api/v1/wrapups",
    "/api/v1/confidential",
    "/api/v1/live",
    "/api/v1/messages",
    "/api/v1/mailboxes",
    "/api/v1/reports",
    "/api/v1/audit",
    "/api/v1/wallboard",
    "/wallboard",
    "/reports",
)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
TokenLookup = Callable[[str], Awaitable[Principal | None]]
SessionLookup = Callable[[web.Request], Awaitable[Principal | None]]


def may_act_on(principal: Principal, agent: RosterAgent, roster: Mapping[str, RosterAgent]) -> bool:
    """An agent acts on themself; a lead or supervisor on their unit; the admin on anyone."""
    if principal.is_admin or principal.agent_id == agent.id:
        return True
    head = roster.get(principal.agent_id or "")
    return principal.role in ("lead", "supervisor") and head is not None and in_unit(agent, head)


def acted_on(request: web.Request, roster: Mapping[str, RosterAgent]) -> RosterAgent:
    """The agent a route under /api/v1/agents/{agent_id} acts on: 404 if not in the roster,
    403 if the requester may not act on them."""
    agent = roster.get(request.match_info["agent_id"])
    if agent is None:
        raise web.HTTPNotFound(
            text=json.dumps({"error": "no such agent"}), content_type="application/json"
        )
    if not may_act_on(principal_of(request), agent, roster):
        raise forbidden("you may act only on yourself or your unit")
    return agent


def principal_of(request: web.Request) -> Principal:
    principal = request.get(USER)
    if not isinstance(principal, Principal):  # a route that skipped authentication
        raise web.HTTPUnauthorized()
    return principal


def user_of(request: web.Request) -> str:
    """Who made the request, for audit columns."""
    return principal_of(request).who


def forbidden(detail: str) -> web.HTTPForbidden:
    return web.HTTPForbidden(
        text=json.dumps({"error": "forbidden", "detail": detail}), content_type="application/json"
    )


def bearer_auth(
    admin_token: str, lookup: TokenLookup | None = None, session: SessionLookup | None = None
) -> Middleware:
    """`session(request)`: the principal of the request's login session cookie, if any."""
    expected = admin_token.encode()

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path in OPEN_PATHS or request.path.startswith(OPEN_PREFIXES):
            return await handler(request)
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        token = token.strip()
        principal: Principal | None = None
        try:
            if scheme.lower() == "bearer" and token:
                if hmac.compare_digest(token.encode(), expected):
                    principal = ADMIN
                elif lookup is not None and len(token) <= 200:
                    principal = await lookup(token)
            elif session is not None and request.method in SESSION_METHODS:
                principal = await session(request)
        except TokensUnavailable as exc:
            log.warning("cannot check a token now", path=request.path[:200], why=str(exc))
            return web.json_response(
                {"error": "unavailable", "detail": "cannot check tokens now; retry"},
                status=503,
                headers={"Retry-After": "1"},
            )
        if principal is None and session is not None and _is_page(request):
            raise web.HTTPSeeOther("/login")
        if principal is None:
            log.warning(
                "refused unauthenticated request",
                method=request.method,
                path=request.path[:200],
                peer=request.remote,
                had_token=bool(token),
            )
            return web.json_response(
                {"error": "unauthorized", "detail": "a valid bearer token is required"},
                status=401,
                headers={"WWW-Authenticate": 'Bearer realm="ccc-telephony"'},
            )
        if not principal.is_admin and not request.path.startswith(STAFF_PREFIXES):
            log.warning("refused: admin only", path=request.path[:200], user=principal.name)
            raise forbidden("this needs the admin token")
        request[USER] = principal
        return await handler(request)

    return middleware


def _is_page(request: web.Request) -> bool:
    """A page a browser opens (not the API): without a login it goes to the login page."""
    return request.method in SESSION_METHODS and not request.path.startswith("/api/")


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every error as JSON with a clear message; unexpected ones logged, never leaked."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        if exc.content_type == "application/json" and exc.text:
            return web.json_response(text=exc.text, status=exc.status)
        return web.json_response({"error": exc.reason, "detail": exc.text}, status=exc.status)
    except Exception:
        log.exception("request failed", method=request.method, path=request.path[:200])
        return web.json_response({"error": "internal error"}, status=500)
