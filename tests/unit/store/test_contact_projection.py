"""The contact log's and threats' row statements from call events: a call's wrap-up is due
the policy's wrap-up time after the agent's part ended, an abusive end marks it, a threat's
record comes from its event too; an event without what its row needs makes no statement."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest

from ccc_telephony.store.projection import ProjectionRules
from tests.unit.store.projections import AT, row_statement, statement_params


@pytest.mark.parametrize("minutes", [10, 1, 60])
def test_the_wrapup_is_due_the_policys_minutes_after_the_agents_part_ended(minutes: int) -> None:
    rules = ProjectionRules(wrapup_due=timedelta(minutes=minutes))
    params = statement_params(row_statement("agent_call_completed", {"agent": "maria"}, rules))
    assert (params["kind"], params["call_id"], params["agent_id"]) == (
        "inbound_call",
        "call-1",
        "maria",
    )
    assert params["ended_at"] == AT and params["due_at"] == AT + timedelta(minutes=minutes)


def test_an_answer_opens_the_contact_and_an_abusive_end_marks_it() -> None:
    opened = statement_params(
        row_statement("agent_answered", {"agent": "maria"}, ProjectionRules())
    )
    assert opened["started_at"] == AT
    marked = statement_params(
        row_statement("ended_by_agent_abusive", {"agent": "maria"}, ProjectionRules())
    )
    assert marked["abusive"] is True


def test_a_threat_event_makes_its_record() -> None:
    threat_id = uuid4()
    details = {
        "threat_id": str(threat_id),
        "agent": "maria",
        "supervisors": ["sam"],
        "case_number": "4567890123",
        "source": "code",
        "by": "maria (phone)",
    }
    params = statement_params(row_statement("threat_flagged", details, ProjectionRules()))
    assert (params["id"], params["flagged_at"], params["supervisor_ids"]) == (
        threat_id,
        AT,
        ["sam"],
    )


@pytest.mark.parametrize(
    ("name", "details"),
    [
        ("agent_answered", {}),
        ("agent_call_completed", {"agent": ""}),
        ("ended_by_agent_abusive", {"agent": 7}),
        ("threat_flagged", {"threat_id": "nope", "agent": "m", "by": "m", "source": "api"}),
        ("threat_flagged", {"threat_id": str(uuid4()), "agent": "m", "by": "m", "source": "api"}),
    ],
)
def test_an_event_without_what_its_row_needs_makes_none(name: str, details: dict[str, Any]) -> None:
    assert row_statement(name, details, ProjectionRules()) is None
