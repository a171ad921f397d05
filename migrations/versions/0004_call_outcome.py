"""A call's final outcome, the same whatever order its events arrive in: the queue's facts
(agent answered, abandoned, wait) get columns of their own, call_ended's outcome becomes
`ivr_outcome`, and `outcome` is derived from them all (store/projection.py). Existing rows are
filled in from their events.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import TIMESTAMP

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LATEST = """
UPDATE calls c SET {columns}
FROM (SELECT DISTINCT ON (call_id) call_id, at, details FROM call_events
      WHERE name = '{event}' ORDER BY call_id, at DESC, id DESC) e
WHERE c.call_id = e.call_id
"""


def upgrade() -> None:
    op.add_column("calls", sa.Column("ivr_outcome", sa.Text(), nullable=True))
    op.add_column("calls", sa.Column("agent_id", sa.Text(), nullable=True))
    op.add_column("calls", sa.Column("agent_answered_at", TIMESTAMP(timezone=True), nullable=True))
    op.add_column("calls", sa.Column("abandoned_at", TIMESTAMP(timezone=True), nullable=True))
    op.add_column("calls", sa.Column("wait_seconds", sa.Integer(), nullable=True))
    op.execute("UPDATE calls SET ivr_outcome = outcome")
    op.execute(
        _LATEST.format(
            event="agent_answered",
            columns="agent_answered_at = e.at, agent_id = e.details->>'agent',"
            " wait_seconds = (e.details->>'wait_seconds')::integer",
        )
    )
    op.execute(
        _LATEST.format(
            event="abandoned",
            columns="abandoned_at = e.at,"
            " wait_seconds = COALESCE(c.wait_seconds, (e.details->>'wait_seconds')::integer)",
        )
    )
    op.execute(
        """
        UPDATE calls SET outcome = CASE
            WHEN agent_answered_at IS NOT NULL THEN 'answered'
            WHEN abandoned_at IS NOT NULL THEN 'abandoned'
            WHEN ended_at IS NULL THEN NULL
            WHEN ivr_outcome = 'queued' THEN 'ended_in_queue'
            ELSE ivr_outcome END
        """
    )


def downgrade() -> None:
    op.execute("UPDATE calls SET outcome = ivr_outcome")
    for column in ("wait_seconds", "abandoned_at", "agent_answered_at", "agent_id", "ivr_outcome"):
        op.drop_column("calls", column)
