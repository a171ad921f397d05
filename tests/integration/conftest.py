"""The real stack for integration tests: Asterisk 22 in the project's chroot, PostgreSQL (a
fresh database per session), and the service itself running in the test's event loop with a
clock the tests can move. Nothing here is mocked and nothing skips: a missing server fails."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import date
from pathlib import Path

import asyncpg
import pytest
import yaml

from ccc_telephony import logs
from ccc_telephony.app import Service
from ccc_telephony.config.settings import DEFAULT_POLICY
from ccc_telephony.devstack import asterisk
from ccc_telephony.devstack.postgres import stop_cluster
from ccc_telephony.devstack.stack import Stack, database_server, prepare, teardown
from tests.integration.support.callers import CallerLine
from tests.integration.support.clock import Moments, ShiftedClock, today
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
def moments() -> Moments:
    """Open hours, night and a holiday, computed from today (see support/clock.py)."""
    shipped = yaml.safe_load(DEFAULT_POLICY.read_text())
    holidays = [date.fromisoformat(str(h["date"])) for h in shipped.get("holidays", [])]
    return Moments(today(), holidays)


@pytest.fixture(scope="session")
def test_policy(tmp_path_factory: pytest.TempPathFactory, moments: Moments) -> Path:
    """The shipped policy with quicker queue timers, so ring-no-answer and the language-first
    wait take seconds in tests, not the production defaults, short attestation scripts, and a
    holiday of its own on a day computed from today (the shipped holidays run out)."""
    policy = yaml.safe_load(DEFAULT_POLICY.read_text())
    policy.setdefault("holidays", []).append(
        {"date": moments.holiday.date().isoformat(), "name": "Test holiday"}
    )
    policy.setdefault("transfers", {})["escalation_wait_seconds"] = 5
    # Attestations of a few words: a signature is complete only once its script has played;
    # and the shortest maximum a capture may last, so a test sees one end there.
    policy.setdefault("signatures", {})["max_seconds"] = 20
    for program in ("foodshare", "health_care", "child_care"):
        texts = policy.setdefault("prompts", {}).setdefault(f"attestation_{program}", {})
        texts.update({"en": "I attest to my application.", "es": "Declaro mi solicitud."})
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
def postgres_server() -> Iterator[str]:
    """This session's PostgreSQL: $DATABASE_URL's, or the test instance's own cluster, stopped
    only after every fixture holding a database on it (the stack's, the store tests') is done."""
    url = database_server(TEST_INSTANCE)
    yield url
    if not os.environ.get("DATABASE_URL"):
        stop_cluster(TEST_INSTANCE.run_dir / "pg")


@pytest.fixture(scope="session")
def stack(test_policy: Path, postgres_server: str) -> Iterator[Stack]:
    st = prepare(TEST_INSTANCE, policy_file=test_policy, database_url=postgres_server)
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
def session_clock() -> ShiftedClock:
    """The one clock the service decides by, for the whole session."""
    return ShiftedClock()


@pytest.fixture
def clock(session_clock: ShiftedClock) -> Iterator[ShiftedClock]:
    """The service's clock for one test, back at rest when the test ends, pass or fail."""
    yield session_clock
    session_clock.reset()


@pytest.fixture(scope="session")
async def ari_link(stack: Stack) -> AsyncIterator[TcpProxy]:
    """The service reaches ARI through this, so a test can cut Asterisk's link mid-call."""
    proxy = TcpProxy("127.0.0.1", stack.inst.ports.ari)
    await proxy.start()
    yield proxy
    await proxy.close()


@pytest.fixture(scope="session")
async def db_link(database_url: str) -> AsyncIterator[TcpProxy]:
    """The service reaches PostgreSQL through this, so a test can take the database away."""
    proxy = TcpProxy(*server_of(database_url))
    await proxy.start()
    yield proxy
    await proxy.close()


# Faults a test injects are undone when it ends, pass or fail, so that one failure fails alone.


@pytest.fixture
def ari_proxy(ari_link: TcpProxy) -> Iterator[TcpProxy]:
    """ARI's link for a test that cuts it; restored afterwards."""
    yield ari_link
    ari_link.restore()


@pytest.fixture
def db_proxy(db_link: TcpProxy) -> Iterator[TcpProxy]:
    """The database's link for a test that cuts it; restored afterwards."""
    yield db_link
    db_link.restore()


@pytest.fixture
async def restart_asterisk(stack: Stack) -> AsyncIterator[Callable[[], Awaitable[None]]]:
    """Restart the sandbox's Asterisk (stop, then start); running again afterwards whatever
    the test did in between."""

    async def restart() -> None:
        await asyncio.to_thread(asterisk.stop, stack.inst)
        await asyncio.to_thread(asterisk.start, stack.root, stack.inst, stack.site)

    yield restart
    if asterisk.running_pid(stack.inst) is None:
        await asyncio.to_thread(asterisk.start, stack.root, stack.inst, stack.site)


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
    session_clock: ShiftedClock,
    ari_link: TcpProxy,
    db_link: TcpProxy,
    service_log: Path,
) -> AsyncIterator[ServiceRunner]:
    settings = stack.settings(
        database_url=through(database_url, db_link.port),
        shutdown_grace_seconds=2.0,
        ari_url=f"http://127.0.0.1:{ari_link.port}",
    )
    runner = ServiceRunner(settings, session_clock)
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
def open_hours(clock: ShiftedClock, moments: Moments) -> ShiftedClock:
    clock.set(moments.open)
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
