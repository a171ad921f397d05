"""Messages and the promise to return them (issue 12): every message left (a staff mailbox, or
the main number after hours) with when it is due back, its state and who did what when; and
each agent's call-center shift on the roster (return calls fall due inside it).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMPTZ = postgresql.TIMESTAMP(timezone=True)
STATES = "('new', 'heard', 'returning', 'returned', 'unreachable')"


def upgrade() -> None:
    op.add_column("agents", sa.Column("shift_start", sa.Time(), nullable=True))
    op.add_column("agents", sa.Column("shift_end", sa.Time(), nullable=True))
    op.create_table(
        "messages",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("mailbox", sa.Text(), nullable=True),
        sa.Column("queue", sa.Text(), nullable=True),
        sa.Column("owner", sa.Text(), nullable=True),
        sa.Column("call_id", sa.Text(), nullable=False),
        sa.Column("caller_number", sa.Text(), nullable=True),
        sa.Column("language", sa.Text(), nullable=False),
        sa.Column("case_number", sa.Text(), nullable=True),
        sa.Column("received_at", TIMESTAMPTZ, nullable=False),
        sa.Column("duration_seconds", sa.Numeric(), nullable=True),
        sa.Column("recording", sa.Text(), nullable=False),
        sa.Column("due_at", TIMESTAMPTZ, nullable=False),
        sa.Column("state", sa.Text(), nullable=False, server_default=sa.text("'new'")),
        sa.Column("state_at", TIMESTAMPTZ, nullable=False),
        sa.Column("state_by", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("warned_at", TIMESTAMPTZ, nullable=True),
        sa.CheckConstraint("source IN ('mailbox', 'after_hours')", name="ck_messages_source"),
        sa.CheckConstraint(f"state IN {STATES}", name="ck_messages_state"),
        sa.CheckConstraint(
            "source = 'after_hours' OR mailbox IS NOT NULL", name="ck_messages_mailbox"
        ),
        sa.UniqueConstraint("call_id", "recording", name="uq_messages_call_recording"),
    )
    op.create_index("ix_messages_mailbox", "messages", ["mailbox", "received_at"])
    op.create_index(
        "ix_messages_open",
        "messages",
        ["due_at"],
        postgresql_where=sa.text("state NOT IN ('returned', 'unreachable')"),
    )
    op.create_table(
        "message_actions",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=True),
        sa.Column(
            "message_id",
            sa.BigInteger(),
            sa.ForeignKey("messages.id", name="fk_message_actions_message"),
            nullable=False,
        ),
        sa.Column("at", TIMESTAMPTZ, nullable=False),
        sa.Column("who", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column(
            "details",
            postgresql.JSONB(),
            nullable=False,
            server_default=sa.text("'{}'::jsonb"),
        ),
    )
    op.create_index("ix_message_actions_message", "message_actions", ["message_id", "at"])


def downgrade() -> None:
    op.drop_table("message_actions")
    op.drop_table("messages")
    op.drop_column("agents", "shift_end")
    op.drop_column("agents", "shift_start")
