"""Queue callbacks: callers who keep their place in line while they wait to be called back.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMPTZ = postgresql.TIMESTAMP(timezone=True)


def upgrade() -> None:
    op.create_table(
        "queue_callbacks",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=True),
        sa.Column("call_id", sa.Text(), nullable=False),
        sa.Column("queue", sa.Text(), nullable=False),
        sa.Column("number", sa.Text(), nullable=False),
        sa.Column("language", sa.Text(), nullable=False),
        sa.Column("entered_at", TIMESTAMPTZ, nullable=False),
        sa.Column("accepted_at", TIMESTAMPTZ, nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("next_attempt_at", TIMESTAMPTZ, nullable=True),
        sa.Column("placeholder", sa.Text(), nullable=True),
        sa.Column("agent_id", sa.Text(), nullable=True),
        sa.Column("last_outcome", sa.Text(), nullable=True),
        sa.Column("state_at", TIMESTAMPTZ, nullable=False),
        sa.Column("state_by", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "state IN ('waiting', 'queued', 'dialling', 'connected', 'failed', 'cancelled')",
            name="ck_queue_callbacks_state",
        ),
        sa.CheckConstraint("number ~ '^[0-9]{10}$'", name="ck_queue_callbacks_number"),
        sa.UniqueConstraint("call_id", name="uq_queue_callbacks_call"),
    )
    op.create_index(
        "ix_queue_callbacks_open",
        "queue_callbacks",
        ["entered_at"],
        postgresql_where=sa.text("state IN ('waiting', 'queued', 'dialling')"),
    )


def downgrade() -> None:
    op.drop_table("queue_callbacks")
