"""Bring a database to the newest schema: `alembic upgrade head`, without an alembic.ini.

The migration scripts live at the top of the repository (migrations/), beside src/; the
connection is handed to Alembic's env.py so it runs inside our event loop.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

from ccc_telephony.store.engine import make_engine

MIGRATIONS_DIR = Path(__file__).resolve().parents[3] / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


async def upgrade(database_url: str) -> None:
    engine = make_engine(database_url, pool_size=1)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_upgrade_head, alembic_config())
    finally:
        await engine.dispose()


def _upgrade_head(connection: Connection, config: Config) -> None:
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
