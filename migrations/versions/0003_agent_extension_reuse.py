"""An extension is unique among active agents only: a leaver's extension goes to the next hire,
and an agent who comes back (same id) is reactivated.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_constraint("uq_agents_extension", "agents", type_="unique")
    op.create_index(
        "uq_agents_extension",
        "agents",
        ["extension"],
        unique=True,
        postgresql_where=sa.text("active"),
    )


def downgrade() -> None:
    # Fails, as it should, if two agents (one inactive) now share an extension.
    op.drop_index("uq_agents_extension", table_name="agents")
    op.create_unique_constraint("uq_agents_extension", "agents", ["extension"])
