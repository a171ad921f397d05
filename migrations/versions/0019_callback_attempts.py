"""Queue callbacks: the caller's channel of the attempt being dialled, recorded before it is
dialled, so that after a restart of the service or of Asterisk the service can tell whether
the caller answered (the channel is up: the callback is connected) or not (whatever is left of
the attempt is hung up and it counts as unanswered), instead of calling the caller again
blindly.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("queue_callbacks", sa.Column("attempt_id", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("queue_callbacks", "attempt_id")
