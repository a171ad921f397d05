"""Confidential cases (issue 12): the call back each one's assigned worker owes within 24
hours inside their shift, and who did what when with it (every look included).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-09
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMPTZ = postgresql.TIMESTAMP(timezone=True)


def upgrade() -> None:
    op.create_table(
        "confidential_callbacks",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=True),
        sa.Column("call_id", sa.Text(), nullable=False),
        sa.Column("agent_id", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("created_at", TIMESTAMPTZ, nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("worker_id", sa.Text(), nullable=True),
        sa.Column("caller_name", sa.Text(), nullable=True),
        sa.Column("case_number", sa.Text(), nullable=True),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("best_time", sa.Text(), nullable=True),
        sa.Column("due_at", TIMESTAMPTZ, nullable=True),
        sa.Column("due_within", sa.Boolean(), nullable=True),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("state_at", TIMESTAMPTZ, nullable=False),
        sa.Column("state_by", sa.Text(), nullable=False),
        sa.Column("notified_at", TIMESTAMPTZ, nullable=True),
        sa.Column("notified_to", postgresql.ARRAY(sa.Text()), nullable=True),
        sa.Column("emailed_to", postgresql.ARRAY(sa.Text()), nullable=True),
        sa.Column("email_error", sa.Text(), nullable=True),
        sa.Column("escalated_at", TIMESTAMPTZ, nullable=True),
        sa.Column("escalated_to", postgresql.ARRAY(sa.Text()), nullable=True),
        sa.UniqueConstraint("call_id", "agent_id", name="uq_confidential_callbacks_call_agent"),
        sa.CheckConstraint("source IN ('code', 'api')", name="ck_confidential_callbacks_source"),
        sa.CheckConstraint(
            "state IN ('owed', 'returning', 'done', 'unreachable')",
            name="ck_confidential_callbacks_state",
        ),
    )
    op.create_index("ix_confidential_callbacks_worker", "confidential_callbacks", ["worker_id"])
    op.create_index("ix_confidential_callbacks_due_at", "confidential_callbacks", ["due_at"])
    op.create_table(
        "confidential_actions",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=True),
        sa.Column("callback_id", sa.BigInteger(), nullable=True),
        sa.Column("at", TIMESTAMPTZ, nullable=False),
        sa.Column("who", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("allowed", sa.Boolean(), nullable=False),
        sa.Column(
            "details", postgresql.JSONB(), nullable=False, server_default=sa.text("'{}'::jsonb")
        ),
    )
    op.create_index("ix_confidential_actions_callback", "confidential_actions", ["callback_id"])
    op.create_index("ix_confidential_actions_at", "confidential_actions", ["at"])


def downgrade() -> None:
    op.drop_table("confidential_actions")
    op.drop_table("confidential_callbacks")
