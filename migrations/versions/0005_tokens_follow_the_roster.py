"""API tokens follow the roster: a token names only its agent, whose role is read from the
roster at each request (no role column to go stale or to forge), can be revoked (by whom is
kept), and records when it was last used.

Tokens without an agent are deleted: nothing issues them, nothing can accept them from now on,
and they carried a role (even `admin`) that no roster entry backs. Tokens of agents who left
before this revision are revoked, so that an agent who comes back does not revive them.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import TIMESTAMP

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMPTZ = TIMESTAMP(timezone=True)


def upgrade() -> None:
    op.execute("DELETE FROM api_tokens WHERE agent_id IS NULL")
    op.add_column("api_tokens", sa.Column("last_used_at", TIMESTAMPTZ, nullable=True))
    op.add_column("api_tokens", sa.Column("revoked_by", sa.Text(), nullable=True))
    op.execute(
        "UPDATE api_tokens SET revoked_at = now(), revoked_by = 'migration 0005: agent left'"
        " WHERE revoked_at IS NULL"
        " AND agent_id IN (SELECT id FROM agents WHERE NOT active)"
    )
    op.alter_column("api_tokens", "agent_id", existing_type=sa.Text(), nullable=False)
    op.drop_constraint("ck_api_tokens_role", "api_tokens", type_="check")
    op.drop_column("api_tokens", "role")
    op.drop_column("api_tokens", "user_name")
    op.create_index("ix_api_tokens_agent_id", "api_tokens", ["agent_id"])


def downgrade() -> None:
    # The roster's role becomes each token's role again (worker: agent), as issued before.
    op.drop_index("ix_api_tokens_agent_id", table_name="api_tokens")
    op.add_column("api_tokens", sa.Column("user_name", sa.Text(), nullable=True))
    op.add_column("api_tokens", sa.Column("role", sa.Text(), nullable=True))
    op.execute(
        "UPDATE api_tokens SET user_name = agent_id, role = CASE agents.role"
        " WHEN 'worker' THEN 'agent' ELSE agents.role END"
        " FROM agents WHERE agents.id = api_tokens.agent_id"
    )
    op.alter_column("api_tokens", "user_name", existing_type=sa.Text(), nullable=False)
    op.alter_column("api_tokens", "role", existing_type=sa.Text(), nullable=False)
    op.create_check_constraint(
        "ck_api_tokens_role", "api_tokens", "role IN ('agent', 'lead', 'supervisor', 'admin')"
    )
    op.alter_column("api_tokens", "agent_id", existing_type=sa.Text(), nullable=True)
    op.drop_column("api_tokens", "revoked_by")
    op.drop_column("api_tokens", "last_used_at")
