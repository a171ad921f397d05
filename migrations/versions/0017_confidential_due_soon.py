"""Confidential tasks flagged before they are due (issue 12, review): when the pre-due flag
went, and to whom (cleared when a lead reassigns the task, so the new worker's is flagged too).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMPTZ = postgresql.TIMESTAMP(timezone=True)
# When the pre-due flag went, and to whom.
COLUMNS = (("warned_at", TIMESTAMPTZ), ("warned_to", postgresql.ARRAY(sa.Text())))


def upgrade() -> None:
    for name, kind in COLUMNS:
        op.add_column("confidential_callbacks", sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    for name, _ in reversed(COLUMNS):
        op.drop_column("confidential_callbacks", name)
