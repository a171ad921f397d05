"""The escalation events' row statements: an escalation's due time is its moment plus the
policy's follow-up time, and an event without what its row needs makes no statement (it is
stored without the row instead of stopping the call-event log)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest

from ccc_telephony.store.projection import ProjectionRules
from tests.unit.store.projections import AT, row_statement, statement_params


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
    params = statement_params(row_statement("escalated", _escalated(), rules))
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
    assert row_statement("escalated", details, ProjectionRules()) is None


def test_answered_and_returned_need_the_escalation_id() -> None:
    rules = ProjectionRules()
    assert row_statement("escalation_answered", {"lead": "lena"}, rules) is None
    assert row_statement("escalation_answered", {"escalation_id": str(uuid4())}, rules) is None
    assert row_statement("escalation_returned", {"why": "agent_hung_up"}, rules) is None
    assert row_statement("escalation_returned", {"escalation_id": str(uuid4())}, rules) is not None
