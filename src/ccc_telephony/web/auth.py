"""Bearer-token authentication for every route but health and metrics.

Tokens are compared in constant time; a refused request is logged with its method, path and
peer but never with the token it presented. Later issues add roles (agent, lead, supervisor).
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable

import structlog
from aiohttp import web
from aiohttp.typedefs import Middleware

log = structlog.get_logger(__name__)

USER = web.RequestKey("user", str)
OPEN_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def user_of(request: web.Request) -> str:
    """Who made the request, as bearer_auth found it (one admin for now; roles come later)."""
    return str(request.get(USER, "admin"))


def bearer_auth(admin_token: str) -> Middleware:
    expected = admin_token.encode()

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path in OPEN_PATHS:
            return await handler(request)
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), expected):
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
        request[USER] = "admin"
        return await handler(request)

    return middleware


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every error as JSON with a clear message; unexpected ones logged, never leaked."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return web.json_response({"error": exc.reason, "detail": exc.text}, status=exc.status)
    except Exception:
        log.exception("request failed", method=request.method, path=request.path[:200])
        return web.json_response({"error": "internal error"}, status=500)
