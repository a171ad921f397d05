"""A real PostgreSQL for the store tests, without the rest of the stack (no Asterisk).

`database_url` overrides the stack-wide fixture of tests/integration/conftest.py: a fresh
database per session, migrated to head, on $DATABASE_URL's server or else on the test
instance's private cluster (created or started as needed); dropped at the end. `db` comes
from the parent conftest. `proxy` sits between a client and the server so a test can cut it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import pytest

from ccc_telephony.store.engine import make_engine
from tests.integration.support.database import fresh_database, server_of, through
from tests.integration.support.proxy import TcpProxy

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine


@pytest.fixture(scope="session")
async def database_url(postgres_server: str) -> AsyncIterator[str]:
    async with fresh_database(postgres_server) as url:
        yield url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def proxy(database_url: str) -> AsyncIterator[TcpProxy]:
    proxy = TcpProxy(*server_of(database_url))
    await proxy.start()
    yield proxy
    await proxy.close()


@pytest.fixture
async def proxied_engine(database_url: str, proxy: TcpProxy) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(through(database_url, proxy.port))
    yield engine
    await engine.dispose()
