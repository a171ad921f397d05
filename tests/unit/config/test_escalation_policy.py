"""The policy's follow-up time: the standard's 24 hours unless the admin sets another, checked
like every other key."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ccc_telephony.config.policy import Policy, PolicyError, load_policy


def test_the_follow_up_time_defaults_to_24_hours(policy: Policy) -> None:
    assert policy.escalations.followup_hours == 24


def _with(policy_text: str, tmp_path: Path, escalations: object) -> Path:
    data = yaml.safe_load(policy_text)
    data["escalations"] = escalations
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_an_admin_sets_another_follow_up_time(policy_text: str, tmp_path: Path) -> None:
    path = _with(policy_text, tmp_path, {"followup_hours": 48})
    assert load_policy(path).escalations.followup_hours == 48


@pytest.mark.parametrize(
    ("escalations", "named"),
    [
        ({"followup_hours": 0}, "escalations.followup_hours"),
        ({"followup_hours": 169}, "escalations.followup_hours"),
        ({"followup_hours": "soon"}, "escalations.followup_hours"),
        ({"followup_hours": 24, "reminder": 1}, "escalations.reminder"),
    ],
)
def test_a_bad_follow_up_time_is_refused_by_name(
    policy_text: str, tmp_path: Path, escalations: object, named: str
) -> None:
    with pytest.raises(PolicyError, match=named):
        load_policy(_with(policy_text, tmp_path, escalations))
