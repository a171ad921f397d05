"""The real stack for integration tests: Asterisk 22 in the project's chroot, PostgreSQL (a
fresh database per session), and the service itself running in the test's event loop with a
clock the tests can move. Nothing here is mocked and nothing skips: a missing server fails."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from ccc_telephony.app import Service
from ccc_telephony.devstack.instance import instance
from ccc_telephony.devstack.stack import Stack, prepare, teardown
from ccc_telephony.store.migrate import upgrade
from tests.integration.support.callers import CallerLine
from tests.integration.support.clock import OPEN, ShiftedClock
from tests.integration.support.recorder import EventRecorder


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration" in str(item.path):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    st = prepare(instance("test"))
    yield st
    teardown(st)


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


@pytest.fixture(scope="session")
async def database_url(stack: Stack) -> AsyncIterator[str]:
    base = os.environ.get("DATABASE_URL") or stack.database_url
    base = base.replace("postgresql+asyncpg://", "postgresql://", 1)
    name = f"ccc_test_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(base, timeout=10)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = _with_database(base, name)
    await upgrade(url)
    yield url
    admin = await asyncpg.connect(base, timeout=10)
    try:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A plain connection for assertions, independent of the code under test."""
    conn = await asyncpg.connect(database_url, timeout=10)
    yield conn
    await conn.close()


@pytest.fixture(scope="session")
def clock() -> ShiftedClock:
    return ShiftedClock()


@pytest.fixture(scope="session")
async def service(stack: Stack, database_url: str, clock: ShiftedClock) -> AsyncIterator[Service]:
    settings = stack.settings(database_url=database_url, shutdown_grace_seconds=2.0)
    svc = Service(settings, clock=clock)
    await svc.start()
    async with asyncio.timeout(15):
        await svc.events.connected.wait()
    yield svc
    await svc.stop()


@pytest.fixture
async def recorder(service: Service) -> AsyncIterator[EventRecorder]:
    rec = EventRecorder()
    unsubscribe = service.bus.subscribe(rec)
    yield rec
    unsubscribe()


@pytest.fixture
def open_hours(clock: ShiftedClock) -> ShiftedClock:
    clock.set(OPEN)
    return clock


@pytest.fixture(scope="session")
async def line(stack: Stack) -> AsyncIterator[CallerLine]:
    caller_line = CallerLine(
        ari_url=f"http://127.0.0.1:{stack.inst.ports.ari}",
        user=stack.site.ari_user,
        password=stack.site.ari_password,
    )
    await caller_line.start()
    yield caller_line
    await caller_line.stop()


@pytest.fixture
def admin_token(stack: Stack) -> str:
    return (stack.inst.secrets_dir / "admin-token").read_text().strip()
