"""Notices sent once and their e-mail retried (issue 12): the mail outbox (every e-mail a
promise check owes, kept until the SMTP server took it: the day's lists, the confidential
escalations), and when a confidential task still incomplete went to the leads.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMPTZ = postgresql.TIMESTAMP(timezone=True)


def upgrade() -> None:
    op.create_table(
        "mail_outbox",
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("posted_at", TIMESTAMPTZ, nullable=False),
        sa.Column("recipients", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("ids", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("sent_at", TIMESTAMPTZ, nullable=True),
        sa.Column("given_up_at", TIMESTAMPTZ, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("kind", "key", name="pk_mail_outbox"),
    )
    op.create_index(
        "ix_mail_outbox_unsent",
        "mail_outbox",
        ["kind"],
        postgresql_where=sa.text("sent_at IS NULL AND given_up_at IS NULL"),
    )
    op.add_column(
        "confidential_callbacks", sa.Column("incomplete_flagged_at", TIMESTAMPTZ, nullable=True)
    )
    op.add_column(
        "confidential_callbacks",
        sa.Column("incomplete_flagged_to", postgresql.ARRAY(sa.Text()), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("confidential_callbacks", "incomplete_flagged_to")
    op.drop_column("confidential_callbacks", "incomplete_flagged_at")
    op.drop_table("mail_outbox")
