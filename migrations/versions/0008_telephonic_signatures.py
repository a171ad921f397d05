"""Telephonic signatures: the captures, their tamper-evident ledger, every version of the
attestation scripts, and the audit of who listed, viewed or downloaded them.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMPTZ = postgresql.TIMESTAMP(timezone=True)
STATUSES = "('recording', 'recorded', 'incomplete', 'purged')"


def upgrade() -> None:
    op.create_table(
        "telephonic_signatures",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("call_id", sa.Text(), nullable=False),
        sa.Column("case_number", sa.Text(), nullable=True),
        sa.Column("ssn_last4", sa.CHAR(4), nullable=True),
        sa.Column("agent_id", sa.Text(), nullable=False),
        sa.Column("program", sa.Text(), nullable=False),
        sa.Column("language", sa.Text(), nullable=False),
        sa.Column("script_id", sa.Text(), nullable=False),
        sa.Column("script_version", sa.Text(), nullable=False),
        sa.Column("started_at", TIMESTAMPTZ, nullable=False),
        sa.Column("ended_at", TIMESTAMPTZ, nullable=True),
        sa.Column("duration_seconds", sa.Numeric(10, 3), nullable=True),
        sa.Column("status", sa.Text(), nullable=False, server_default=sa.text("'recording'")),
        sa.Column("ended_by", sa.Text(), nullable=True),
        sa.Column("caller_file", sa.Text(), nullable=False),
        sa.Column("caller_bytes", sa.BigInteger(), nullable=True),
        sa.Column("caller_sha256", sa.Text(), nullable=True),
        sa.Column("both_file", sa.Text(), nullable=False),
        sa.Column("both_bytes", sa.BigInteger(), nullable=True),
        sa.Column("both_sha256", sa.Text(), nullable=True),
        sa.Column("chain_seq", sa.BigInteger(), nullable=True),
        sa.Column("chain_hash", sa.Text(), nullable=True),
        sa.Column("purged_at", TIMESTAMPTZ, nullable=True),
        sa.CheckConstraint(f"status IN {STATUSES}", name="ck_telephonic_signatures_status"),
        sa.CheckConstraint("ssn_last4 ~ '^[0-9]{4}$'", name="ck_telephonic_signatures_ssn_last4"),
    )
    op.create_index("ix_telephonic_signatures_case", "telephonic_signatures", ["case_number"])
    op.create_index("ix_telephonic_signatures_call", "telephonic_signatures", ["call_id"])
    op.create_index(
        "ix_telephonic_signatures_status_ended", "telephonic_signatures", ["status", "ended_at"]
    )
    op.create_table(
        "signature_ledger",
        sa.Column("seq", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("signature_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.Text(), nullable=False),
        sa.Column("hash", sa.Text(), nullable=False),
        sa.CheckConstraint("kind IN ('sealed', 'purged')", name="ck_signature_ledger_kind"),
    )
    op.create_index("ix_signature_ledger_signature", "signature_ledger", ["signature_id"])
    op.create_table(
        "signature_scripts",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=True),
        sa.Column("script_id", sa.Text(), nullable=False),
        sa.Column("language", sa.Text(), nullable=False),
        sa.Column("version", sa.Text(), nullable=False),
        sa.Column("parts", postgresql.JSONB(), nullable=False),
        sa.Column("first_used_at", TIMESTAMPTZ, nullable=False),
        sa.UniqueConstraint(
            "script_id", "language", "version", name="uq_signature_scripts_version"
        ),
    )
    op.create_table(
        "signature_access",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=True),
        sa.Column("at", TIMESTAMPTZ, nullable=False),
        sa.Column("who", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("signature_ids", postgresql.ARRAY(sa.Uuid()), nullable=False),
        sa.Column("part", sa.Text(), nullable=True),
        sa.Column("allowed", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "action IN ('list', 'view', 'download')", name="ck_signature_access_action"
        ),
    )
    op.create_index("ix_signature_access_at", "signature_access", ["at"])


def downgrade() -> None:
    op.drop_table("signature_access")
    op.drop_table("signature_scripts")
    op.drop_table("signature_ledger")
    op.drop_table("telephonic_signatures")
