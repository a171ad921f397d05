import re

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
from ccc_telephony.config.signatures import Signatures
from ccc_telephony.hours.describe import describe_hours
from ccc_telephony.prompts.catalog import PROMPT_NAME, PromptSpec, build_catalog
from ccc_telephony.prompts.errors import PromptError


@pytest.fixture(scope="module")
def catalog(policy: Policy, directory: Directory) -> dict[str, PromptSpec]:
    return {spec.key: spec for spec in build_catalog(policy, directory)}


def test_every_policy_prompt_in_each_tts_language(catalog: dict[str, PromptSpec]) -> None:
    for name in PROMPT_NAMES:
        assert catalog[f"en/{name}"].voice == "en-us"
        assert catalog[f"es/{name}"].voice == "es-419"


def test_hours_are_filled_in(catalog: dict[str, PromptSpec], policy: Policy) -> None:
    assert "Monday through Friday, 8 AM to 5 PM" in catalog["en/closed"].text
    assert describe_hours(policy, "es") in catalog["es/closed"].text
    assert not any("{hours}" in spec.text for spec in catalog.values())


def test_hmong_has_only_its_language_menu_line(catalog: dict[str, PromptSpec]) -> None:
    hmong = [spec for spec in catalog.values() if spec.language == "hmn"]
    assert hmong == [PromptSpec("hmn", "language_menu", "Hais lus Hmoob, nias 3.", "en-us")]


def test_digits_counties_and_consortia(catalog: dict[str, PromptSpec]) -> None:
    assert [catalog[f"en/digit_{d}"].text for d in (0, 7, 9)] == ["zero", "seven", "nine"]
    assert [catalog[f"es/digit_{d}"].text for d in (0, 7, 9)] == ["cero", "siete", "nueve"]
    assert catalog["en/county_13"].text == "Dane County"
    assert catalog["es/county_55"].text == "condado de St. Croix"
    assert catalog["es/consortium_capital"].text == "Capital Consortium"
    assert sum(bool(re.fullmatch(r"en/county_[0-9]+", key)) for key in catalog) == 72


def test_names_are_safe_and_unique(catalog: dict[str, PromptSpec]) -> None:
    assert all(PROMPT_NAME.fullmatch(spec.name) for spec in catalog.values())
    # Admin prompts exist in the first language only.
    scripts = (
        len(Signatures().prompts())
        + len(MAILBOX_PROMPT_NAMES)
        + len(Callbacks().prompts())
        + len(AFTER_HOURS_PROMPT_NAMES)
    )
    assert len(catalog) == 2 * (len(PROMPT_NAMES) + scripts + 10 + 72 + 12) + 1 + len(
        STAFF_PROMPT_NAMES
    )


def test_digest_follows_voice_and_text() -> None:
    spec = PromptSpec("en", "goodbye", "Goodbye.", "en-us")
    assert spec.digest == PromptSpec("en", "goodbye", "Goodbye.", "en-us").digest
    assert spec.digest != PromptSpec("en", "goodbye", "Bye.", "en-us").digest
    assert spec.digest != PromptSpec("en", "goodbye", "Goodbye.", "en-gb").digest


def test_policy_prompt_clashing_with_a_digit_is_refused(
    policy: Policy, directory: Directory
) -> None:
    clash = policy.model_copy(update={"prompts": {**policy.prompts, "digit_1": {"en": "one"}}})
    with pytest.raises(PromptError, match="en/digit_1 is defined twice"):
        build_catalog(clash, directory)
