"""Staff log in to the web pages with a username and password: each person's password as a
salted scrypt hash (never the password), and the browser sessions a login opens (only a hash
of each session's random id, who it is for, and when it ends).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMPTZ = postgresql.TIMESTAMP(timezone=True)


def upgrade() -> None:
    op.create_table(
        "staff_passwords",
        sa.Column(
            "agent_id",
            sa.Text(),
            sa.ForeignKey("agents.id", name="fk_staff_passwords_agent"),
            primary_key=True,
        ),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("set_at", TIMESTAMPTZ, nullable=False),
        sa.Column("set_by", sa.Text(), nullable=False),
    )
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=True),
        sa.Column("session_sha256", sa.Text(), nullable=False),
        sa.Column("who", sa.Text(), nullable=False),
        sa.Column("created_at", TIMESTAMPTZ, nullable=False),
        sa.Column("expires_at", TIMESTAMPTZ, nullable=False),
        sa.Column("ended_at", TIMESTAMPTZ, nullable=True),
        sa.UniqueConstraint("session_sha256", name="uq_web_sessions_session_sha256"),
    )
    op.create_index("ix_web_sessions_who", "web_sessions", ["who"])


def downgrade() -> None:
    op.drop_table("web_sessions")
    op.drop_table("staff_passwords")
