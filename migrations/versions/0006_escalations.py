"""Escalation follow-ups: what a Help lead owes the worker who escalated a caller, with its due
time; rows come from the call's escalation events (store/projection.py).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMPTZ = postgresql.TIMESTAMP(timezone=True)


def upgrade() -> None:
    op.create_table(
        "escalation_followups",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("call_id", sa.Text(), nullable=False),
        sa.Column("agent_id", sa.Text(), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("from_lead_id", sa.Text(), nullable=True),
        sa.Column("created_at", TIMESTAMPTZ, nullable=False),
        sa.Column("due_at", TIMESTAMPTZ, nullable=False),
        sa.Column("status", sa.Text(), nullable=False, server_default=sa.text("'open'")),
        sa.Column("lead_id", sa.Text(), nullable=True),
        sa.Column("answered_at", TIMESTAMPTZ, nullable=True),
        sa.Column("returned_at", TIMESTAMPTZ, nullable=True),
        sa.Column("returned_why", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("updated_by", sa.Text(), nullable=True),
        sa.Column("updated_at", TIMESTAMPTZ, nullable=True),
        sa.Column("resolved_at", TIMESTAMPTZ, nullable=True),
        sa.CheckConstraint(
            "status IN ('open', 'returned', 'researching', 'resolved')",
            name="ck_escalation_followups_status",
        ),
    )
    op.create_index(
        "ix_escalation_followups_status_due", "escalation_followups", ["status", "due_at"]
    )
    op.create_index("ix_escalation_followups_agent", "escalation_followups", ["agent_id"])
    op.create_index("ix_escalation_followups_lead", "escalation_followups", ["lead_id"])


def downgrade() -> None:
    op.drop_table("escalation_followups")
