"""Staff mailboxes: greetings and away status, the delegates a supervisor names, and the audit
of every access.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMPTZ = postgresql.TIMESTAMP(timezone=True)


def upgrade() -> None:
    op.create_table(
        "mailboxes",
        sa.Column(
            "agent_id",
            sa.Text(),
            sa.ForeignKey("agents.id", name="fk_mailboxes_agent"),
            primary_key=True,
        ),
        sa.Column("greeting_in_office", sa.Text(), nullable=True),
        sa.Column("greeting_in_office_at", TIMESTAMPTZ, nullable=True),
        sa.Column("greeting_away", sa.Text(), nullable=True),
        sa.Column("greeting_away_at", TIMESTAMPTZ, nullable=True),
        sa.Column("away_until", TIMESTAMPTZ, nullable=True),
        sa.Column("away_set_by", sa.Text(), nullable=True),
        sa.Column("keep_greeting", sa.Boolean(), nullable=False, server_default=sa.text("false")),
        sa.Column("disconnected_at", TIMESTAMPTZ, nullable=True),
        sa.Column("disconnected_by", sa.Text(), nullable=True),
        sa.Column("flagged", sa.Text(), nullable=True),
        sa.Column("flagged_at", TIMESTAMPTZ, nullable=True),
        sa.Column("updated_at", TIMESTAMPTZ, nullable=False),
    )
    op.create_table(
        "mailbox_delegates",
        sa.Column(
            "mailbox",
            sa.Text(),
            sa.ForeignKey("agents.id", name="fk_mailbox_delegates_mailbox"),
            primary_key=True,
        ),
        sa.Column(
            "delegate",
            sa.Text(),
            sa.ForeignKey("agents.id", name="fk_mailbox_delegates_delegate"),
            primary_key=True,
        ),
        sa.Column("named_by", sa.Text(), nullable=False),
        sa.Column("named_at", TIMESTAMPTZ, nullable=False),
    )
    op.create_table(
        "mailbox_access",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=True),
        sa.Column("at", TIMESTAMPTZ, nullable=False),
        sa.Column("who", sa.Text(), nullable=False),
        sa.Column("mailbox", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("allowed", sa.Boolean(), nullable=False),
        sa.Column(
            "details",
            postgresql.JSONB(),
            nullable=False,
            server_default=sa.text("'{}'::jsonb"),
        ),
    )
    op.create_index("ix_mailbox_access_mailbox_at", "mailbox_access", ["mailbox", "at"])


def downgrade() -> None:
    op.drop_table("mailbox_access")
    op.drop_table("mailbox_delegates")
    op.drop_table("mailboxes")
