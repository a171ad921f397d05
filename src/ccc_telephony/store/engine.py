"""One place that turns DATABASE_URL into an async engine with bounded waits.

Every wait has a limit so that a dead or unreachable database turns into an exception the
event writer can act on (spool and retry) instead of a coroutine that hangs forever.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import structlog
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

log = structlog.get_logger(__name__)
T = TypeVar("T")

CONNECT_TIMEOUT_SECONDS = 3.0
COMMAND_TIMEOUT_SECONDS = 10.0
POOL_TIMEOUT_SECONDS = 5.0


def async_url(url: str) -> str:
    """`postgresql://…` (the form operators and libpq tools use) → `postgresql+asyncpg://…`."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme not in {"postgres", "postgresql", "postgresql+asyncpg"}:
        raise ValueError("DATABASE_URL must start with postgresql://")
    return f"postgresql+asyncpg://{rest}"


def make_engine(url: str, *, pool_size: int = 4) -> AsyncEngine:
    return create_async_engine(
        async_url(url),
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_timeout=POOL_TIMEOUT_SECONDS,
        # Error messages (logged with tracebacks) never carry the statement's values: they
        # are caller-controlled strings, case numbers, an SSN's last four digits.
        hide_parameters=True,
        connect_args={
            "timeout": CONNECT_TIMEOUT_SECONDS,
            "command_timeout": COMMAND_TIMEOUT_SECONDS,
        },
    )


async def ping(engine: AsyncEngine) -> bool:
    """Readiness: can we run a query now? Never raises, never waits past the connect timeout."""
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT_SECONDS), engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:
        log.info("database ping failed", error=type(exc).__name__)
        return False
    return True


def run_with_engine(url: str, work: Callable[[AsyncEngine], Awaitable[T]]) -> T:
    """For CLI commands: one engine for one piece of work, disposed afterwards."""

    async def main() -> T:
        engine = make_engine(url, pool_size=1)
        try:
            return await work(engine)
        finally:
            await engine.dispose()

    return asyncio.run(main())
