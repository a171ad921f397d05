"""The signatures part of the policy: programs, default program, the scripts' texts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from ccc_telephony.config.directory import Directory
from ccc_telephony.config.policy import Policy, PolicyError, load_policy
from ccc_telephony.prompts.catalog import recordable_prompts


def test_the_defaults(policy: Policy) -> None:
    signatures = policy.signatures
    assert signatures.programs == ["foodshare", "health_care", "child_care"]
    assert signatures.retention_years == 7
    assert signatures.prompts()[-1] == "attestation_agree"


def _with(policy_text: str, tmp_path: Path, change: Any) -> Path:
    data = yaml.safe_load(policy_text)
    change(data)
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return path


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda d: d["signatures"].update(default_program="w2"), "default_program"),
        (lambda d: d["signatures"].update(programs=["agree"], default_program="agree"), "agree"),
        (lambda d: d["signatures"].update(retention_years=0), "signatures.retention_years"),
        (lambda d: d["prompts"]["attestation_child_care"].pop("es"), "attestation_child_care.es"),
        (lambda d: d["signatures"]["programs"].append("w2"), "prompts.attestation_w2.en"),
    ],
)
def test_a_bad_signatures_policy_is_refused_by_name(
    policy_text: str, tmp_path: Path, change: Any, named: str
) -> None:
    with pytest.raises(PolicyError, match=named):
        load_policy(_with(policy_text, tmp_path, change))


def test_the_scripts_can_be_recorded_by_phone_or_uploaded(
    policy: Policy, directory: Directory
) -> None:
    """They are numbered with the callers' prompts (*77 keys a number; `prompts upload`
    takes any numbered name), so Hmong gets its scripts the way it gets its menus."""
    numbered = recordable_prompts(policy, directory)
    assert set(policy.signatures.prompts()) <= set(numbered)
