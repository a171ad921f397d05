"""The policy's report definitions: defaults as the agency counts, limits only for real
reasons."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from ccc_telephony.config.policy import Policy
from ccc_telephony.config.reports import Reports


def test_the_defaults_are_the_agencys_definitions() -> None:
    reports = Reports()
    assert (reports.service_level_seconds, reports.repeat_contact_days) == (60, 7)
    assert reports.not_ready_limit_minutes["On Break"] == 15


def test_a_limit_for_a_reason_agents_cannot_choose_is_refused(policy: Policy) -> None:
    raw = policy.model_dump()
    raw["reports"] = {"not_ready_limit_minutes": {"Lunch": 30}}
    with pytest.raises(ValidationError) as caught:
        Policy.model_validate(raw)
    assert "reports.not_ready_limit_minutes.Lunch: not one of" in str(caught.value)


@pytest.mark.parametrize(
    "bad", [{"service_level_seconds": 0}, {"not_ready_limit_minutes": {"On Break": 0}}]
)
def test_limits_are_positive(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Reports.model_validate(bad)
