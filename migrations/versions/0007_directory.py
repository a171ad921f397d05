"""The consortium directory in the database: consortia, the counties each serves, every number
of each consortium, the allow-list of outside transfer numbers, and the audit of changes. The
service seeds the tables from consortia.yaml when they are empty.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMPTZ = postgresql.TIMESTAMP(timezone=True)
NANP_NUMBER = "^[2-9][0-9]{2}[2-9][0-9]{6}$"


def upgrade() -> None:
    op.create_table(
        "consortia",
        sa.Column("id", sa.Text(), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("phone", sa.Text(), nullable=False),
        sa.Column("is_home", sa.Boolean(), nullable=False, server_default=sa.text("false")),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.UniqueConstraint("phone", name="uq_consortia_phone"),
        sa.CheckConstraint("id ~ '^[a-z][a-z0-9_]{0,39}$'", name="ck_consortia_id"),
        sa.CheckConstraint(f"phone ~ '{NANP_NUMBER}'", name="ck_consortia_phone"),
    )
    op.create_index(
        "uq_consortia_one_home",
        "consortia",
        ["is_home"],
        unique=True,
        postgresql_where=sa.text("is_home"),
    )
    op.create_table(
        "counties",
        sa.Column("code", sa.Integer(), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("consortium_id", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["consortium_id"], ["consortia.id"], name="fk_counties_consortium"),
        sa.UniqueConstraint("name", name="uq_counties_name"),
        sa.CheckConstraint("code BETWEEN 1 AND 999", name="ck_counties_code"),
    )
    op.create_table(
        "consortium_numbers",
        sa.Column("number", sa.Text(), primary_key=True),
        sa.Column("consortium_id", sa.Text(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["consortium_id"], ["consortia.id"], name="fk_consortium_numbers_consortium"
        ),
        sa.CheckConstraint(f"number ~ '{NANP_NUMBER}'", name="ck_consortium_numbers_number"),
    )
    op.create_index("ix_consortium_numbers_consortium", "consortium_numbers", ["consortium_id"])
    op.create_table(
        "transfer_allowlist",
        sa.Column("number", sa.Text(), primary_key=True),
        sa.Column("label", sa.Text(), nullable=False),
        sa.CheckConstraint(f"number ~ '{NANP_NUMBER}'", name="ck_transfer_allowlist_number"),
    )
    op.create_table(
        "directory_changes",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=True),
        sa.Column("at", TIMESTAMPTZ, nullable=False, server_default=sa.text("now()")),
        sa.Column("changed_by", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("before", postgresql.JSONB(), nullable=True),
        sa.Column("after", postgresql.JSONB(), nullable=True),
    )
    op.create_index("ix_directory_changes_at", "directory_changes", ["at"])


def downgrade() -> None:
    op.drop_index("ix_directory_changes_at", table_name="directory_changes")
    op.drop_table("directory_changes")
    op.drop_table("transfer_allowlist")
    op.drop_index("ix_consortium_numbers_consortium", table_name="consortium_numbers")
    op.drop_table("consortium_numbers")
    op.drop_table("counties")
    op.drop_index("uq_consortia_one_home", table_name="consortia")
    op.drop_table("consortia")
