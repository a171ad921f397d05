"""Agents: the roster, state intervals, coverage refusals, and API tokens with roles.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMPTZ = postgresql.TIMESTAMP(timezone=True)


def upgrade() -> None:
    op.create_table(
        "agents",
        sa.Column("id", sa.Text(), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("extension", sa.Text(), nullable=False),
        sa.Column("team", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("supervisor_id", sa.Text(), nullable=True),
        sa.Column("languages", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("protected_start", sa.Time(), nullable=True),
        sa.Column("hq_shift", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.text("true")),
        sa.Column("created_at", TIMESTAMPTZ, nullable=False, server_default=sa.text("now()")),
        sa.Column("updated_at", TIMESTAMPTZ, nullable=False, server_default=sa.text("now()")),
        sa.ForeignKeyConstraint(["supervisor_id"], ["agents.id"], name="fk_agents_supervisor"),
        sa.UniqueConstraint("extension", name="uq_agents_extension"),
        sa.CheckConstraint("team IN ('ebd', 'family')", name="ck_agents_team"),
        sa.CheckConstraint("role IN ('worker', 'lead', 'supervisor')", name="ck_agents_role"),
    )
    op.create_table(
        "agent_states",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=True),
        sa.Column("agent_id", sa.Text(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("started_at", TIMESTAMPTZ, nullable=False),
        sa.Column("ended_at", TIMESTAMPTZ, nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("set_by", sa.Text(), nullable=True),
        sa.Column("after_state", sa.Text(), nullable=True),
        sa.Column("after_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["agent_id"], ["agents.id"], name="fk_agent_states_agent"),
        sa.CheckConstraint(
            "state IN ('logged_out', 'ready', 'not_ready', 'call_inbound')",
            name="ck_agent_states_state",
        ),
        sa.CheckConstraint(
            "ended_at IS NULL OR ended_at >= started_at", name="ck_agent_states_order"
        ),
    )
    op.create_index("ix_agent_states_agent_started", "agent_states", ["agent_id", "started_at"])
    op.create_index(
        "uq_agent_states_one_open",
        "agent_states",
        ["agent_id"],
        unique=True,
        postgresql_where=sa.text("ended_at IS NULL"),
    )
    op.create_table(
        "agent_state_refusals",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=True),
        sa.Column("agent_id", sa.Text(), nullable=False),
        sa.Column("requested_state", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("queue", sa.Text(), nullable=False),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.Text(), nullable=True),
        sa.Column("at", TIMESTAMPTZ, nullable=False, server_default=sa.text("now()")),
        sa.ForeignKeyConstraint(["agent_id"], ["agents.id"], name="fk_refusals_agent"),
        sa.CheckConstraint(
            "outcome IN ('refused', 'warned', 'overridden')",
            name="ck_agent_state_refusals_outcome",
        ),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=True),
        sa.Column("token_sha256", sa.Text(), nullable=False),
        sa.Column("user_name", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("agent_id", sa.Text(), nullable=True),
        sa.Column("created_at", TIMESTAMPTZ, nullable=False, server_default=sa.text("now()")),
        sa.Column("revoked_at", TIMESTAMPTZ, nullable=True),
        sa.ForeignKeyConstraint(["agent_id"], ["agents.id"], name="fk_api_tokens_agent"),
        sa.UniqueConstraint("token_sha256", name="uq_api_tokens_token_sha256"),
        sa.CheckConstraint(
            "role IN ('agent', 'lead', 'supervisor', 'admin')", name="ck_api_tokens_role"
        ),
    )


def downgrade() -> None:
    op.drop_table("api_tokens")
    op.drop_table("agent_state_refusals")
    op.drop_index("uq_agent_states_one_open", table_name="agent_states")
    op.drop_index("ix_agent_states_agent_started", table_name="agent_states")
    op.drop_table("agent_states")
    op.drop_table("agents")
