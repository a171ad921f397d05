"""The escalation events' row statements: an escalation's due time is its moment plus the
policy's follow-up time, and an event without what its row needs makes no statement (it is
stored without the row instead of stopping the call-event log)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.expression import Executable

from ccc_telephony.store.events import CallEvent
from ccc_telephony.store.projection import ROW_PROJECTIONS, ProjectionRules

AT = datetime.now(UTC)


def _statement(name: str, details: dict[str, Any], rules: ProjectionRules) -> Executable | None:
    return ROW_PROJECTIONS[name](CallEvent("call-1", name, details, at=AT), rules)


def _params(statement: Executable | None) -> dict[str, Any]:
    assert statement is not None
    return dict(statement.compile(dialect=postgresql.dialect()).params)  # type: ignore[attr-defined]


def _escalated(**changes: Any) -> dict[str, Any]:
    details = {
        "escalation_id": str(uuid4()),
        "agent": "maria",
        "target": "help",
        "reason": "caller_request",
        "from_lead": None,
    }
    return details | changes


@pytest.mark.parametrize("hours", [24, 2, 168])
def test_the_follow_up_is_due_the_policys_hours_after_the_escalation(hours: int) -> None:
    rules = ProjectionRules(followup=timedelta(hours=hours))
    params = _params(_statement("escalated", _escalated(), rules))
    assert params["created_at"] == AT
    assert params["due_at"] == AT + timedelta(hours=hours)
    assert (params["status"], params["agent_id"], params["target"]) == ("open", "maria", "help")


def test_the_default_follow_up_time_is_the_standards_24_hours() -> None:
    assert ProjectionRules().followup == timedelta(hours=24)


@pytest.mark.parametrize(
    "details",
    [
        _escalated(escalation_id="not-a-uuid"),
        _escalated(escalation_id=None),
        _escalated(agent=""),
        _escalated(agent=7),
        {k: v for k, v in _escalated().items() if k != "reason"},
    ],
)
def test_an_escalation_without_what_its_row_needs_makes_no_row(details: dict[str, Any]) -> None:
    assert _statement("escalated", details, ProjectionRules()) is None


def test_answered_and_returned_need_the_escalation_id() -> None:
    rules = ProjectionRules()
    assert _statement("escalation_answered", {"lead": "lena"}, rules) is None
    assert _statement("escalation_answered", {"escalation_id": str(uuid4())}, rules) is None
    assert _statement("escalation_returned", {"why": "agent_hung_up"}, rules) is None
    assert _statement("escalation_returned", {"escalation_id": str(uuid4())}, rules) is not None
