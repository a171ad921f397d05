"""Return calls (issue 12): an answered return call is a contact of its own kind (a wrap-up
owed, like an inbound call); and the main number's after-hours messages (callback requests)
join the message tracking.

Requests moved over keep their call, number, language, recording and time; they had no queue
chosen (NULL) and are due at once: they were left before the promise was tracked. The
callback_requests table stays (emptied) for the downgrade.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _kinds(kinds: str) -> None:
    op.drop_constraint("ck_contacts_kind", "contacts", type_="check")
    op.create_check_constraint("ck_contacts_kind", "contacts", f"kind IN ({kinds})")


def upgrade() -> None:
    _kinds("'inbound_call', 'return_call', 'outbound_attempt'")
    op.execute(
        """
        WITH moved AS (
            INSERT INTO messages (source, call_id, caller_number, language, received_at,
                                  duration_seconds, recording, due_at, state, state_at,
                                  state_by)
            SELECT 'after_hours', call_id,
                   CASE WHEN caller_number ~ '^\\+?[0-9]{3,20}$' THEN caller_number END,
                   language, created_at, duration_seconds, recording, created_at,
                   CASE WHEN status = 'open' THEN 'new' ELSE 'returned' END, created_at,
                   'migration'
            FROM callback_requests
            ON CONFLICT (call_id, recording) DO NOTHING
            RETURNING id, received_at
        )
        INSERT INTO message_actions (message_id, at, who, action, details)
        SELECT id, received_at, 'system', 'left', '{"from": "callback_requests"}'::jsonb
        FROM moved
        """
    )
    op.execute("DELETE FROM callback_requests")


def downgrade() -> None:
    op.execute(
        """
        INSERT INTO callback_requests (call_id, caller_number, caller_name, language,
                                       recording, duration_seconds, created_at, status)
        SELECT call_id, coalesce(caller_number, ''), '', language, recording,
               duration_seconds, received_at,
               CASE WHEN state IN ('returned', 'unreachable') THEN 'done' ELSE 'open' END
        FROM messages WHERE source = 'after_hours'
        """
    )
    op.execute("DELETE FROM contacts WHERE kind = 'return_call'")
    _kinds("'inbound_call', 'outbound_attempt'")
