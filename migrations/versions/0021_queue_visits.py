"""Every caller's visit to a queue (issue 13's reports): when they joined and at which position,
who answered and after how long, how the visit ended and how long the agent talked. Kept by the
call's own events in the event writer's transaction (store/visits.py), so the reports read one
row per visit instead of replaying call_events. Beside it, each queue's counts per quarter hour
(queue_interval_counts), recounted from the visits in the same transaction: a year's interval
report sums 35,000 of those instead of a million visits. And each closed day's time per agent,
state and reason and calls handled (agent_day_states, agent_day_calls, agent_days_counted),
counted once the day is over, the first time a report needs it (a day past never changes).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMPTZ = postgresql.TIMESTAMP(timezone=True)
OUTCOMES = "('answered', 'abandoned', 'transferred_out', 'escalated', 'callback', 'left')"


def upgrade() -> None:
    op.create_table(
        "queue_visits",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=True),
        sa.Column("call_id", sa.Text(), nullable=False),
        sa.Column("queue", sa.Text(), nullable=False),
        sa.Column("joined_at", TIMESTAMPTZ, nullable=False),
        sa.Column("position", sa.Integer()),
        sa.Column("answered_at", TIMESTAMPTZ),
        sa.Column("agent_id", sa.Text()),
        sa.Column("wait_seconds", sa.Integer()),
        sa.Column("ended_at", TIMESTAMPTZ),
        sa.Column("outcome", sa.Text()),
        sa.Column("talk_seconds", sa.Integer()),
        sa.Column("caller_number", sa.Text()),
        sa.Column("case_key", sa.Text()),
        sa.Column("next_contact_at", TIMESTAMPTZ),
        sa.CheckConstraint(
            f"outcome IS NULL OR outcome IN {OUTCOMES}", name="ck_queue_visits_outcome"
        ),
        sa.UniqueConstraint("call_id", "queue", "joined_at", name="uq_queue_visits_visit"),
    )
    op.create_index("ix_queue_visits_joined_at", "queue_visits", ["joined_at"])
    op.create_index("ix_queue_visits_queue_joined_at", "queue_visits", ["queue", "joined_at"])
    op.create_index("ix_queue_visits_agent_answered", "queue_visits", ["agent_id", "answered_at"])
    op.create_index("ix_queue_visits_case_key", "queue_visits", ["case_key", "joined_at"])
    op.create_index("ix_queue_visits_caller_number", "queue_visits", ["caller_number", "joined_at"])
    counts = [
        sa.Column(name, sa.BigInteger(), nullable=False)
        for name in (
            "offered",
            "answered",
            "answered_in_sl",
            "abandoned",
            "short_abandons",
            "wait_answered_seconds",
            "talked",
            "talk_seconds",
            "transfers_out",
            "escalations",
        )
    ]
    op.create_table(
        "queue_interval_counts",
        sa.Column("queue", sa.Text(), primary_key=True),
        sa.Column("bin_start", TIMESTAMPTZ, primary_key=True),
        sa.Column("service_level_seconds", sa.Integer(), nullable=False),
        sa.Column("short_abandon_seconds", sa.Integer(), nullable=False),
        *counts,
        sa.Column("longest_wait_seconds", sa.Integer()),
    )
    op.create_index("ix_queue_interval_counts_bin", "queue_interval_counts", ["bin_start"])
    day_key = [
        sa.Column("zone", sa.Text(), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("agent_id", sa.Text(), primary_key=True),
    ]
    op.create_table(
        "agent_day_states",
        *day_key,
        sa.Column("state", sa.Text(), primary_key=True),
        sa.Column("reason", sa.Text(), primary_key=True),
        sa.Column("seconds", sa.Float(), nullable=False),
    )
    op.create_table(
        "agent_day_calls",
        *(sa.Column(c.name, c.type, primary_key=True) for c in day_key),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("talked", sa.Integer(), nullable=False),
        sa.Column("talk_seconds", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "agent_days_counted",
        sa.Column("zone", sa.Text(), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
    )


def downgrade() -> None:
    op.drop_table("agent_days_counted")
    op.drop_table("agent_day_calls")
    op.drop_table("agent_day_states")
    op.drop_table("queue_interval_counts")
    op.drop_table("queue_visits")
