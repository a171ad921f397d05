"""The schema as SQLAlchemy Core tables; migrations/versions must produce exactly this.

Index and constraint names are explicit so that the migration and this file can be compared
(tests/integration/store/test_schema.py does it with Alembic's autogenerate comparison).
"""

from __future__ import annotations

from sqlalchemy import (
    CHAR,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Index,
    MetaData,
    Numeric,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, TIMESTAMP

metadata = MetaData()

TIMESTAMPTZ = TIMESTAMP(timezone=True)

calls = Table(
    "calls",
    metadata,
    Column("call_id", Text, primary_key=True),
    Column("caller_number", Text),
    Column("caller_name", Text),
    Column("dialed_number", Text),
    Column("language", Text),
    Column("program", Text),
    Column("queue", Text),
    Column("case_number", Text),
    Column("ssn_last4", CHAR(4)),
    Column("ssn_hmac", Text),
    Column("started_at", TIMESTAMPTZ),
    Column("answered_at", TIMESTAMPTZ),
    Column("ended_at", TIMESTAMPTZ),
    Column("outcome", Text),
    Column("hours_reason", Text),
    Index("ix_calls_started_at", "started_at"),
    Index("ix_calls_ssn_hmac", "ssn_hmac"),
)

call_events = Table(
    "call_events",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("event_id", Uuid, nullable=False),
    Column("call_id", Text, nullable=False),
    Column("at", TIMESTAMPTZ, nullable=False),
    Column("name", Text, nullable=False),
    Column("details", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("written_at", TIMESTAMPTZ, nullable=False, server_default=text("now()")),
    UniqueConstraint("event_id", name="uq_call_events_event_id"),
    Index("ix_call_events_call_id_at", "call_id", "at"),
)

hours_overrides = Table(
    "hours_overrides",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("open", Boolean, nullable=False),
    Column("until", TIMESTAMPTZ, nullable=False),
    Column("reason", Text, nullable=False),
    Column("set_by", Text, nullable=False),
    Column("set_at", TIMESTAMPTZ, nullable=False, server_default=text("now()")),
    Column("cleared_at", TIMESTAMPTZ, nullable=True),
    Column("cleared_by", Text, nullable=True),
)

callback_requests = Table(
    "callback_requests",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("call_id", Text, nullable=False),
    Column("caller_number", Text, nullable=False),
    Column("caller_name", Text, nullable=False),
    Column("language", Text, nullable=False),
    Column("recording", Text, nullable=False),
    Column("duration_seconds", Numeric, nullable=True),
    Column("created_at", TIMESTAMPTZ, nullable=False, server_default=text("now()")),
    Column("status", Text, nullable=False, server_default=text("'open'")),
)

prompt_recordings = Table(
    "prompt_recordings",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("prompt", Text, nullable=False),
    Column("language", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("stored_path", Text, nullable=False),
    Column("set_by", Text, nullable=False),
    Column("created_at", TIMESTAMPTZ, nullable=False, server_default=text("now()")),
    CheckConstraint("source IN ('phone', 'upload')", name="ck_prompt_recordings_source"),
)
