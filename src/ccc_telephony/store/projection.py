"""How call events update the `calls` summary row: one table, no if-chain.

Each projection is an upsert keyed on call_id, so it works even when the first event we see
for a call is not `call_started` (e.g. the service restarted mid-call). The writer applies it
only for events that were newly inserted, which makes replaying a spool idempotent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import Insert, insert

from ccc_telephony.store.tables import callback_requests, calls


@dataclass(frozen=True, slots=True)
class Projection:
    """`fields` maps calls columns to details keys; only keys present (not None) are set."""

    fields: Mapping[str, str] = field(default_factory=dict)
    at_column: str | None = None
    # call_started fills only empty columns: a later event may already have created the row,
    # and a repeated call_started must not overwrite what the first one recorded.
    keep_existing: bool = False


PROJECTIONS: Final[Mapping[str, Projection]] = {
    "call_started": Projection(
        fields={
            "caller_number": "caller_number",
            "caller_name": "caller_name",
            "dialed_number": "dialed_number",
        },
        at_column="started_at",
        keep_existing=True,
    ),
    "call_answered": Projection(at_column="answered_at"),
    "language_selected": Projection(fields={"language": "language"}),
    "menu_choice": Projection(fields={"program": "program"}),
    "caller_identified": Projection(
        fields={"case_number": "case_number", "ssn_last4": "ssn_last4", "ssn_hmac": "ssn_hmac"}
    ),
    "after_hours": Projection(fields={"hours_reason": "reason"}),
    "override_applied": Projection(fields={"hours_reason": "reason"}),
    "queued": Projection(fields={"queue": "queue"}),
    "operator_requested": Projection(fields={"queue": "queue"}),
    "call_ended": Projection(fields={"outcome": "outcome"}, at_column="ended_at"),
}


def projection_statements(
    call_id: str, name: str, details: Mapping[str, Any], at: datetime
) -> list[Insert]:
    """Every write that follows from one event: its `calls` upsert and any row it creates
    (a recorded message becomes a callback request in the same transaction as the event)."""
    statements = [projection_statement(call_id, name, details, at)]
    maker = ROW_PROJECTIONS.get(name)
    if maker is not None:
        statements.append(maker(call_id, details, at))
    return [statement for statement in statements if statement is not None]


def _callback_request(call_id: str, details: Mapping[str, Any], at: datetime) -> Insert:
    return insert(callback_requests).values(
        call_id=call_id,
        caller_number=str(details.get("caller_number") or ""),
        caller_name=str(details.get("caller_name") or ""),
        language=str(details.get("language") or ""),
        recording=str(details.get("recording") or ""),
        duration_seconds=details.get("duration_seconds"),
        created_at=at,
    )


ROW_PROJECTIONS: Final[Mapping[str, Callable[[str, Mapping[str, Any], datetime], Insert]]] = {
    "message_recorded": _callback_request,
}


def projection_statement(
    call_id: str, name: str, details: Mapping[str, Any], at: datetime
) -> Insert | None:
    """The upsert for one event, or None when the event changes nothing in `calls`.

    Values are bound parameters (caller-controlled strings are data, never SQL); non-string
    values are stored as their text form because every projected column is text.
    """
    projection = PROJECTIONS.get(name)
    if projection is None:
        return None
    values: dict[str, object] = {}
    if projection.at_column is not None:
        values[projection.at_column] = at
    for column, key in projection.fields.items():
        value = details.get(key)
        if value is not None:
            values[column] = value if isinstance(value, str) else str(value)
    if not values:
        return None
    statement = insert(calls).values(call_id=call_id, **values)
    updates = {
        column: (
            func.coalesce(calls.c[column], statement.excluded[column])
            if projection.keep_existing
            else statement.excluded[column]
        )
        for column in values
    }
    return statement.on_conflict_do_update(index_elements=[calls.c.call_id], set_=updates)
