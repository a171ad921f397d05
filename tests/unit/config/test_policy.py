"""The policy file is untrusted input: every mistake is refused with the key that is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ccc_telephony.config.agents import RosterAgent
from ccc_telephony.config.policy import Policy, PolicyError, load_policy

LEAD = {"id": "l1", "name": "L", "extension": "1001", "team": "ebd", "role": "lead"}


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    return path


def _edited(policy_text: str, tmp_path: Path, edit: object) -> Path:
    data = yaml.safe_load(policy_text)
    edit(data)  # type: ignore[operator]
    return _write(tmp_path, yaml.safe_dump(data))


def test_the_shipped_policy_is_valid(policy: Policy) -> None:
    assert policy.main_number == "6085550100"
    assert [lang.code for lang in policy.languages] == ["en", "es", "hmn"]
    assert policy.agents.protected_minutes == {"ebd": 150, "family": 90}


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        (lambda d: d.update(main_number="555-0100"), "main_number"),
        (lambda d: d.update(time_zone="Mars/Olympus"), "time_zone"),
        (lambda d: d["hours"]["monday"][0].update(close="07:00"), "hours.monday.0"),
        (lambda d: d["menu"]["options"]["1"].update(queue="nowhere"), "menu.options.1.queue"),
        (lambda d: d.update(operator_queue="nobody"), "operator_queue"),
        (lambda d: d["prompts"]["greeting"].pop("es"), "prompts.greeting.es"),
        (lambda d: d.update(surprise=1), "surprise"),
        (lambda d: d.setdefault("agents", {}).update(help_queue="hq"), "agents.help_queue"),
        (
            lambda d: d.setdefault("agents", {}).update(not_ready_reasons=["Lunch"]),
            "not_ready_reasons",
        ),
        (
            lambda d: d.setdefault("agents", {}).update(
                roster=[
                    {"id": "a1", "name": "A", "extension": "1001", "team": "ebd"},
                    {"id": "a2", "name": "B", "extension": "1001", "team": "ebd"},
                ]
            ),
            "duplicate extension",
        ),
        (
            lambda d: d.setdefault("agents", {}).update(
                roster=[
                    {
                        "id": "a1",
                        "name": "A",
                        "extension": "1001",
                        "team": "ebd",
                        "languages": ["fr"],
                    }
                ]
            ),
            "agents.roster.0.languages",
        ),
        (
            lambda d: d.setdefault("agents", {}).update(
                roster=[
                    {"id": "a1", "name": "A", "extension": "1001", "team": "ebd", "hq_shift": "am"}
                ]
            ),
            "only leads",
        ),
        (
            lambda d: d.setdefault("agents", {}).update(roster=[{**LEAD, "hq_shift": "night"}]),
            "agents.roster.0.hq_shift: 'night' is not in agents.hq_shifts",
        ),
        (
            lambda d: d.setdefault("agents", {}).update(roster=[{**LEAD, "supervisor": "nobody"}]),
            "agents.roster.0.supervisor: 'nobody' is not in the roster",
        ),
        (
            lambda d: d.setdefault("agents", {}).update(
                team_queues={"ebd": "ebd"}, roster=[{**LEAD, "team": "family"}]
            ),
            "agents.roster.0.team: 'family' is not in agents.team_queues",
        ),
    ],
)
def test_a_bad_key_is_named(policy_text: str, tmp_path: Path, edit: object, named: str) -> None:
    with pytest.raises(PolicyError) as refused:
        load_policy(_edited(policy_text, tmp_path, edit))
    assert named in str(refused.value)
    assert "Traceback" not in str(refused.value)


@pytest.mark.parametrize("pattern", [r"^[2-8][0-9]{8,9}$", r"^\d{7,12}$", r"^(?!0)\d{9}$"])
def test_a_case_pattern_that_accepts_nine_digits_is_refused(
    policy_text: str, tmp_path: Path, pattern: str
) -> None:
    def edit(data: dict) -> None:
        data["caller_identification"] = {"case_number_pattern": pattern}

    with pytest.raises(PolicyError, match=r"caller_identification\.case_number_pattern"):
        load_policy(_edited(policy_text, tmp_path, edit))


@pytest.mark.parametrize("text", ["", "- a list\n", "main_number: [unclosed\n", "\xff\xfe"])
def test_unreadable_files_are_refused_clearly(tmp_path: Path, text: str) -> None:
    with pytest.raises(PolicyError, match=r"policy\.yaml"):
        load_policy(_write(tmp_path, text))


def test_a_missing_file_is_refused_clearly(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(tmp_path / "nope.yaml")


def test_an_agent_added_later_meets_the_same_rule_as_the_files_roster(policy: Policy) -> None:
    """Policy.roster_problems is what both the file's roster and the roster API apply."""
    lead = RosterAgent(id="l1", name="L", extension="1001", team="ebd", role="lead")
    assert policy.roster_problems(lead, {"l1"}) == []
    bad = lead.model_copy(
        update={
            "hq_shift": "night",
            "languages": ["en", "fr"],
            "supervisor": "gone",
            "extension": "10012",
        }
    )
    assert [str(p) for p in policy.roster_problems(bad, {"l1"})] == [
        "languages: 'fr' is not configured",
        "hq_shift: 'night' is not in agents.hq_shifts",
        "extension: 5 digits: extensions have 4 (mailboxes.extension_digits: the direct"
        " mailbox numbers)",
        "supervisor: 'gone' is not in the roster",
    ]
