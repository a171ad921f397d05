"""Prompt numbers: what an admin keys to record a prompt by phone, and what `prompts list` shows."""

from pathlib import Path

import pytest

from ccc_telephony.config.callbacks import Callbacks
from ccc_telephony.config.directory import Directory
from ccc_telephony.config.mailboxes import PROMPT_NAMES as MAILBOX_PROMPT_NAMES
from ccc_telephony.config.policy import (
    AFTER_HOURS_PROMPT_NAMES,
    PROMPT_NAMES,
    STAFF_PROMPT_NAMES,
    Policy,
)
from ccc_telephony.config.settings import Settings
from ccc_telephony.config.signatures import Signatures
from ccc_telephony.prompts import cli
from ccc_telephony.prompts.catalog import (
    build_catalog,
    describe_language_keys,
    is_staff_prompt,
    prompt_by_number,
    recordable_prompts,
)

# The shipped policy's caller prompts: the IVR's, the signature scripts', the mailboxes', the
# callbacks', the after-hours message menu.
CALLER_PROMPTS = (
    *PROMPT_NAMES,
    *Signatures().prompts(),
    *MAILBOX_PROMPT_NAMES,
    *Callbacks().prompts(),
    *AFTER_HOURS_PROMPT_NAMES,
)


@pytest.fixture(scope="module")
def numbered(policy: Policy, directory: Directory) -> list[str]:
    return recordable_prompts(policy, directory)


def test_policy_order_first_then_digits_counties_consortia(numbered: list[str]) -> None:
    assert numbered[: len(CALLER_PROMPTS)] == list(CALLER_PROMPTS)
    assert numbered[:2] == ["greeting", "language_menu"]
    rest = numbered[len(CALLER_PROMPTS) :]
    assert rest[:10] == [f"digit_{d}" for d in range(10)]
    assert rest[10] == "county_1"
    assert rest[-1].startswith("consortium_")
    assert len(numbered) == len(set(numbered)) == len(CALLER_PROMPTS) + 10 + 72 + 12


def test_admin_prompts_are_never_numbered(numbered: list[str]) -> None:
    assert not any(is_staff_prompt(name) for name in numbered)
    assert all(is_staff_prompt(name) for name in STAFF_PROMPT_NAMES)


@pytest.mark.parametrize(
    ("keyed", "expected"),
    [
        ("1", "greeting"),
        ("2", "language_menu"),
        ("02", "language_menu"),
        (str(len(CALLER_PROMPTS) + 1), "digit_0"),
    ],
)
def test_number_to_prompt(numbered: list[str], keyed: str, expected: str) -> None:
    assert prompt_by_number(numbered, keyed) == expected


@pytest.mark.parametrize(
    "keyed", ["", "0", "00", "*", "1*", str(len(CALLER_PROMPTS) + 10 + 72 + 12 + 1), "999"]
)
def test_numbers_that_name_no_prompt(numbered: list[str], keyed: str) -> None:
    assert prompt_by_number(numbered, keyed) is None


def test_last_number_is_the_last_prompt(numbered: list[str]) -> None:
    assert prompt_by_number(numbered, str(len(numbered))) == numbered[-1]


def test_language_question_lists_the_policy_languages(policy: Policy, directory: Directory) -> None:
    expected = "For English, press 1. For Spanish, press 2. For Hmong, press 3."
    assert describe_language_keys(policy) == expected
    english = {
        spec.name: spec for spec in build_catalog(policy, directory) if spec.language == "en"
    }
    assert english["admin_language"].text.endswith(expected)


def test_admin_prompts_are_first_language_only(policy: Policy, directory: Directory) -> None:
    admin = {
        (s.language, s.name) for s in build_catalog(policy, directory) if is_staff_prompt(s.name)
    }
    assert admin == {("en", name) for name in STAFF_PROMPT_NAMES}


def test_policy_needs_admin_texts_in_the_first_language(policy: Policy) -> None:
    prompts = {name: texts for name, texts in policy.prompts.items() if name != "admin_record"}
    with pytest.raises(ValueError, match=r"prompts\.admin_record\.en: missing text"):
        Policy.model_validate({**policy.model_dump(), "prompts": prompts})


def test_prompts_list_shows_the_numbers(
    tiny_policy: Policy, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text(tiny_policy.model_dump_json())  # JSON is YAML
    settings = Settings(
        policy_file=policy_file,
        data_dir=tmp_path / "data",
        sounds_dir=tmp_path / "published",
        generated_sounds_dir=tmp_path / "generated",
    )
    assert cli.cmd_list(settings) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["no", "prompt", "language", "source"]
    rows = [line.split() for line in lines[1:]]
    assert ["1", "greeting", "en", "missing"] in rows
    assert ["2", "language_menu", "hmn", "missing"] in rows
    # The admin's prompts have no number and, without a sound, are not listed at all.
    assert not any(row[0].startswith("admin_") or row[1].startswith("admin_") for row in rows)
