"""Threats and the contact log (issue 11): the threat records with their audit, every contact
an agent must log (inbound calls, failed outbound attempts) with its wrap-up, a supervisor's
e-mail address on the roster, and why an agent ended a call (an abusive caller).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMPTZ = postgresql.TIMESTAMP(timezone=True)


def upgrade() -> None:
    op.add_column("agents", sa.Column("email", sa.Text(), nullable=True))
    op.add_column("calls", sa.Column("agent_ended", sa.Text(), nullable=True))
    op.create_table(
        "threats",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("call_id", sa.Text(), nullable=False),
        sa.Column("case_number", sa.Text(), nullable=True),
        sa.Column("agent_id", sa.Text(), nullable=False),
        sa.Column("supervisor_ids", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("flagged_at", TIMESTAMPTZ, nullable=False),
        sa.Column("flagged_by", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("account", sa.Text(), nullable=True),
        sa.Column("account_updated_at", TIMESTAMPTZ, nullable=True),
        sa.Column("reported_to_law_enforcement", sa.Boolean(), nullable=True),
        sa.Column("decided_at", TIMESTAMPTZ, nullable=True),
        sa.Column("decided_by", sa.Text(), nullable=True),
        sa.Column("decision_notes", sa.Text(), nullable=True),
        sa.Column("emailed_to", postgresql.ARRAY(sa.Text()), nullable=True),
        sa.Column("emailed_at", TIMESTAMPTZ, nullable=True),
        sa.Column("email_error", sa.Text(), nullable=True),
        sa.UniqueConstraint("call_id", "agent_id", name="uq_threats_call_agent"),
        sa.CheckConstraint("source IN ('code', 'api')", name="ck_threats_source"),
    )
    op.create_index("ix_threats_agent", "threats", ["agent_id"])
    op.create_index("ix_threats_flagged_at", "threats", ["flagged_at"])
    op.create_table(
        "threat_access",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=True),
        sa.Column("at", TIMESTAMPTZ, nullable=False),
        sa.Column("who", sa.Text(), nullable=False),
        sa.Column("threat_id", sa.Uuid(), nullable=True),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("allowed", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_threat_access_at", "threat_access", ["at"])
    op.create_index("ix_threat_access_threat", "threat_access", ["threat_id"])
    op.create_table(
        "contacts",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=True),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("call_id", sa.Text(), nullable=False),
        sa.Column("agent_id", sa.Text(), nullable=False),
        sa.Column("started_at", TIMESTAMPTZ, nullable=True),
        sa.Column("ended_at", TIMESTAMPTZ, nullable=True),
        sa.Column("due_at", TIMESTAMPTZ, nullable=True),
        sa.Column("abusive", sa.Boolean(), nullable=False, server_default=sa.text("false")),
        sa.Column("disposition", sa.Text(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("first_contact_resolved", sa.Boolean(), nullable=True),
        sa.Column("interpreter_used", sa.Boolean(), nullable=True),
        sa.Column("abusive_note", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.Text(), nullable=True),
        sa.Column("recorded_at", TIMESTAMPTZ, nullable=True),
        sa.UniqueConstraint("kind", "call_id", "agent_id", name="uq_contacts_kind_call_agent"),
        sa.CheckConstraint("kind IN ('inbound_call', 'outbound_attempt')", name="ck_contacts_kind"),
    )
    op.create_index("ix_contacts_agent", "contacts", ["agent_id", "due_at"])
    op.create_index(
        "ix_contacts_missing",
        "contacts",
        ["due_at"],
        postgresql_where=sa.text("recorded_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_table("contacts")
    op.drop_table("threat_access")
    op.drop_table("threats")
    op.drop_column("calls", "agent_ended")
    op.drop_column("agents", "email")
