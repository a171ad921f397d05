"""The real stack for integration tests: Asterisk 22 in the project's chroot, PostgreSQL (a
fresh database per session), and the service itself running in the test's event loop with a
clock the tests can move. Nothing here is mocked and nothing skips: a missing server fails."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
import yaml

from ccc_telephony import logs
from ccc_telephony.app import Service
from ccc_telephony.config.settings import DEFAULT_POLICY
from ccc_telephony.devstack.stack import Stack, prepare, teardown
from tests.integration.support.callers import CallerLine
from tests.integration.support.clock import OPEN, ShiftedClock
from tests.integration.support.database import TEST_INSTANCE, fresh_database, server_of, through
from tests.integration.support.proxy import TcpProxy
from tests.integration.support.recorder import EventRecorder
from tests.integration.support.service import ServiceRunner
from tests.integration.support.steps import Callers


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration" in str(item.path):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def test_policy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped policy with quicker queue timers, so ring-no-answer and the language-first
    wait take seconds in tests, not the production defaults."""
    policy = yaml.safe_load(DEFAULT_POLICY.read_text())
    policy.setdefault("agents", {})["routing"] = {
        "ring_seconds": 5,
        "wrapup_seconds": 0,
        "language_wait_seconds": 5,
        "announce_position_seconds": 0,
    }
    path = tmp_path_factory.mktemp("policy") / "policy.yaml"
    path.write_text(yaml.safe_dump(policy, allow_unicode=True, sort_keys=False))
    return path


@pytest.fixture(scope="session")
def stack(test_policy: Path) -> Iterator[Stack]:
    st = prepare(TEST_INSTANCE, policy_file=test_policy)
    yield st
    teardown(st)


@pytest.fixture(scope="session")
async def database_url(stack: Stack) -> AsyncIterator[str]:
    async with fresh_database(stack.database_url) as url:
        yield url


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
async def ari_proxy(stack: Stack) -> AsyncIterator[TcpProxy]:
    """The service reaches ARI through this, so a test can cut Asterisk's link mid-call."""
    proxy = TcpProxy("127.0.0.1", stack.inst.ports.ari)
    await proxy.start()
    yield proxy
    await proxy.close()


@pytest.fixture(scope="session")
async def db_proxy(database_url: str) -> AsyncIterator[TcpProxy]:
    """The service reaches PostgreSQL through this, so a test can take the database away."""
    proxy = TcpProxy(*server_of(database_url))
    await proxy.start()
    yield proxy
    await proxy.close()


@pytest.fixture(scope="session")
def service_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Everything the service logs in this session, at debug level, as JSON lines."""
    path = tmp_path_factory.mktemp("logs") / "service.jsonl"
    logs.configure(fmt="json", level="DEBUG", file=path)
    return path


@pytest.fixture(scope="session")
async def service_runner(
    stack: Stack,
    database_url: str,
    clock: ShiftedClock,
    ari_proxy: TcpProxy,
    db_proxy: TcpProxy,
    service_log: Path,
) -> AsyncIterator[ServiceRunner]:
    settings = stack.settings(
        database_url=through(database_url, db_proxy.port),
        shutdown_grace_seconds=2.0,
        ari_url=f"http://127.0.0.1:{ari_proxy.port}",
    )
    runner = ServiceRunner(settings, clock)
    yield runner
    await runner.stop()


@pytest.fixture
async def service(service_runner: ServiceRunner) -> Service:
    """The running service (started on first use, and again after a test stopped it)."""
    return service_runner.current or await service_runner.start()


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


@pytest.fixture
def callers(line: CallerLine, recorder: EventRecorder) -> Callers:
    return Callers(line, recorder)
