"""Interpreters conferenced into calls: who they were (name, position or relationship, id),
the language and line, when they joined and left.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMPTZ = postgresql.TIMESTAMP(timezone=True)


def upgrade() -> None:
    op.create_table(
        "call_interpreters",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("call_id", sa.Text(), nullable=False),
        sa.Column("agent_id", sa.Text(), nullable=False),
        sa.Column("language", sa.Text(), nullable=False),
        sa.Column("number", sa.Text(), nullable=False),
        sa.Column("interpreter_id", sa.Text(), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("role", sa.Text(), nullable=True),
        sa.Column("joined_at", TIMESTAMPTZ, nullable=False),
        sa.Column("left_at", TIMESTAMPTZ, nullable=True),
        sa.Column("left_reason", sa.Text(), nullable=True),
        sa.Column("documented_by", sa.Text(), nullable=True),
        sa.Column("documented_at", TIMESTAMPTZ, nullable=True),
    )
    op.create_index("ix_call_interpreters_call", "call_interpreters", ["call_id"])


def downgrade() -> None:
    op.drop_table("call_interpreters")
