"""A throw-away database per test session, on $DATABASE_URL's server or the instance's cluster.

Shared by the stack-wide fixtures and the store tests (which run without Asterisk)."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from ccc_telephony.devstack.instance import instance
from ccc_telephony.store.migrate import upgrade

TEST_INSTANCES = ("test", "test2", "test3", "test4", "test5", "test6", "test7")


def _test_instance() -> str:
    """A second working copy runs its suite beside this one with CCC_TEST_INSTANCE=test2; each
    parallel worker of one suite (pytest-xdist's gw0, gw1, ...) takes the next instance on."""
    first = os.environ.get("CCC_TEST_INSTANCE", "test")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    if first not in TEST_INSTANCES or not worker.isdigit():
        return first  # instance() names the mistake
    return TEST_INSTANCES[(TEST_INSTANCES.index(first) + int(worker)) % len(TEST_INSTANCES)]


TEST_INSTANCE = instance(_test_instance())


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


def server_of(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    assert parts.hostname is not None and parts.port is not None, url
    return parts.hostname, parts.port


def through(url: str, port: int) -> str:
    """The same database reached through a local proxy listening on `port`."""
    parts = urlsplit(url)
    credentials = parts.netloc.rpartition("@")[0]
    netloc = f"{credentials}@127.0.0.1:{port}" if credentials else f"127.0.0.1:{port}"
    return urlunsplit(parts._replace(netloc=netloc))


@asynccontextmanager
async def fresh_database(server_url: str) -> AsyncIterator[str]:
    """Create a uniquely named database, migrate it to head, yield its URL, drop it after."""
    base = os.environ.get("DATABASE_URL") or server_url
    base = base.replace("postgresql+asyncpg://", "postgresql://", 1)
    name = f"ccc_test_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(base, timeout=10)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = with_database(base, name)
    try:
        await upgrade(url)
        yield url
    finally:
        admin = await asyncpg.connect(base, timeout=10)
        try:
            await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        finally:
            await admin.close()
