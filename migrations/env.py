"""Alembic environment: runs on a connection that ccc_telephony.store.migrate hands over.

From the command line (`alembic -c migrations/alembic.ini revision --autogenerate -m ...`)
it connects to $DATABASE_URL itself, through the same engine settings as the service.
"""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy.engine import Connection

from ccc_telephony.store.engine import make_engine
from ccc_telephony.store.tables import metadata

target_metadata = metadata


def run_on(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()


async def run_from_environment() -> None:
    url = os.environ.get("DATABASE_URL")
    if not url:
        raise SystemExit("set DATABASE_URL (postgresql://...) to run migrations")
    engine = make_engine(url, pool_size=1)
    try:
        async with engine.connect() as conn:
            await conn.run_sync(run_on)
            await conn.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported")

shared = context.config.attributes.get("connection")
if shared is None:
    asyncio.run(run_from_environment())
else:
    run_on(shared)
