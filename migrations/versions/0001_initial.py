"""Initial schema: calls, call_events, hours_overrides, callback_requests, prompt_recordings.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMPTZ = postgresql.TIMESTAMP(timezone=True)


def upgrade() -> None:
    op.create_table(
        "calls",
        sa.Column("call_id", sa.Text(), primary_key=True),
        sa.Column("caller_number", sa.Text()),
        sa.Column("caller_name", sa.Text()),
        sa.Column("dialed_number", sa.Text()),
        sa.Column("language", sa.Text()),
        sa.Column("program", sa.Text()),
        sa.Column("queue", sa.Text()),
        sa.Column("case_number", sa.Text()),
        sa.Column("ssn_last4", sa.CHAR(4)),
        sa.Column("ssn_hmac", sa.Text()),
        sa.Column("started_at", TIMESTAMPTZ),
        sa.Column("answered_at", TIMESTAMPTZ),
        sa.Column("ended_at", TIMESTAMPTZ),
        sa.Column("outcome", sa.Text()),
        sa.Column("hours_reason", sa.Text()),
    )
    op.create_index("ix_calls_started_at", "calls", ["started_at"])
    op.create_index("ix_calls_ssn_hmac", "calls", ["ssn_hmac"])

    op.create_table(
        "call_events",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("call_id", sa.Text(), nullable=False),
        sa.Column("at", TIMESTAMPTZ, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column(
            "details", postgresql.JSONB(), nullable=False, server_default=sa.text("'{}'::jsonb")
        ),
        sa.Column("written_at", TIMESTAMPTZ, nullable=False, server_default=sa.text("now()")),
        sa.UniqueConstraint("event_id", name="uq_call_events_event_id"),
    )
    op.create_index("ix_call_events_call_id_at", "call_events", ["call_id", "at"])

    op.create_table(
        "hours_overrides",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=True),
        sa.Column("open", sa.Boolean(), nullable=False),
        sa.Column("until", TIMESTAMPTZ, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("set_by", sa.Text(), nullable=False),
        sa.Column("set_at", TIMESTAMPTZ, nullable=False, server_default=sa.text("now()")),
        sa.Column("cleared_at", TIMESTAMPTZ, nullable=True),
        sa.Column("cleared_by", sa.Text(), nullable=True),
    )

    op.create_table(
        "callback_requests",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=True),
        sa.Column("call_id", sa.Text(), nullable=False),
        sa.Column("caller_number", sa.Text(), nullable=False),
        sa.Column("caller_name", sa.Text(), nullable=False),
        sa.Column("language", sa.Text(), nullable=False),
        sa.Column("recording", sa.Text(), nullable=False),
        sa.Column("duration_seconds", sa.Numeric(), nullable=True),
        sa.Column("created_at", TIMESTAMPTZ, nullable=False, server_default=sa.text("now()")),
        sa.Column("status", sa.Text(), nullable=False, server_default=sa.text("'open'")),
    )

    op.create_table(
        "prompt_recordings",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=True),
        sa.Column("prompt", sa.Text(), nullable=False),
        sa.Column("language", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("stored_path", sa.Text(), nullable=False),
        sa.Column("set_by", sa.Text(), nullable=False),
        sa.Column("created_at", TIMESTAMPTZ, nullable=False, server_default=sa.text("now()")),
        sa.CheckConstraint("source IN ('phone', 'upload')", name="ck_prompt_recordings_source"),
    )


def downgrade() -> None:
    op.drop_table("prompt_recordings")
    op.drop_table("callback_requests")
    op.drop_table("hours_overrides")
    op.drop_index("ix_call_events_call_id_at", table_name="call_events")
    op.drop_table("call_events")
    op.drop_index("ix_calls_ssn_hmac", table_name="calls")
    op.drop_index("ix_calls_started_at", table_name="calls")
    op.drop_table("calls")
