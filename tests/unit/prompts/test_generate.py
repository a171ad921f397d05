import json
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
from ccc_telephony.config.signatures import Signatures
from ccc_telephony.prompts.errors import PromptError
from ccc_telephony.prompts.generate import generate_all
from tests.unit.prompts.sounds import PHONE, phone_format

# Policy prompts, signature scripts, admin prompts, digits, counties, consortia, Hmong menu line.
TINY_COUNT = (
    len(PROMPT_NAMES)
    + len(Signatures().prompts())
    + len(MAILBOX_PROMPT_NAMES)
    + len(Callbacks().prompts())
    + len(AFTER_HOURS_PROMPT_NAMES)
    + len(STAFF_PROMPT_NAMES)
    + 10
    + 2
    + 2
    + 1
)


def test_generates_phone_format_then_nothing_on_a_second_run(
    tiny_policy: Policy, tiny_directory: Directory, tmp_path: Path
) -> None:
    first = generate_all(tiny_policy, tiny_directory, tmp_path)
    assert len(first.generated) == TINY_COUNT
    assert phone_format(tmp_path / "en" / "closed.wav") == PHONE
    assert phone_format(tmp_path / "hmn" / "language_menu.wav") == PHONE
    assert sorted(p.name for p in (tmp_path / "hmn").iterdir()) == ["language_menu.wav"]
    assert len(json.loads((tmp_path / "manifest.json").read_text())) == TINY_COUNT

    second = generate_all(tiny_policy, tiny_directory, tmp_path)
    assert (second.generated, second.unchanged, second.removed) == ((), TINY_COUNT, ())


def test_regenerates_changed_and_removes_dropped_prompts(
    tiny_policy: Policy, tiny_directory: Directory, tmp_path: Path
) -> None:
    generate_all(tiny_policy, tiny_directory, tmp_path)
    # A text that looks like an option is still spoken.
    prompts = {**tiny_policy.prompts, "goodbye": {"en": "--help"}}
    changed = tiny_policy.model_copy(update={"prompts": prompts})
    smaller = tiny_directory.model_copy(update={"counties": {13: "Dane"}})
    report = generate_all(changed, smaller, tmp_path)
    assert report.generated == ("en/goodbye",)
    assert report.removed == ("en/county_40",)
    assert not (tmp_path / "en" / "county_40.wav").exists()
    assert phone_format(tmp_path / "en" / "goodbye.wav") == PHONE
    assert not list(tmp_path.glob("*/.*.part"))


def test_a_deleted_file_is_regenerated(
    tiny_policy: Policy, tiny_directory: Directory, tmp_path: Path
) -> None:
    generate_all(tiny_policy, tiny_directory, tmp_path)
    (tmp_path / "en" / "digit_4.wav").unlink()
    assert generate_all(tiny_policy, tiny_directory, tmp_path).generated == ("en/digit_4",)


def test_unknown_voice_is_reported_per_prompt(
    tiny_policy: Policy, tiny_directory: Directory, tmp_path: Path
) -> None:
    hmong = tiny_policy.languages[1].model_copy(update={"language_menu_voice": "xx-nope"})
    broken = tiny_policy.model_copy(update={"languages": [tiny_policy.languages[0], hmong]})
    with pytest.raises(
        PromptError, match=r"(?s)1 prompt\(s\).*hmn/language_menu: espeak-ng failed"
    ):
        generate_all(broken, tiny_directory, tmp_path, workers=2)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert "hmn/language_menu" not in manifest
    assert "en/goodbye" in manifest


def test_missing_tool_is_named(
    tiny_policy: Policy, tiny_directory: Directory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(PromptError, match="espeak-ng is not installed"):
        generate_all(tiny_policy, tiny_directory, tmp_path)
