"""The script a caller hears and its version: the digest of the sounds played, so a new
recording or an edited text (a regenerated sound) is a new version; Hmong plays only once
recorded, like the IVR's prompts."""

from __future__ import annotations

from pathlib import Path

import pytest

from ccc_telephony.config.policy import Policy
from ccc_telephony.prompts.library import PromptLibrary
from ccc_telephony.signatures.scripts import ScriptUnavailable, script_for
from tests.unit.prompts.sounds import sox_make


@pytest.fixture
def library(tmp_path: Path) -> PromptLibrary:
    generated = tmp_path / "generated"
    (generated / "en").mkdir(parents=True)
    sox_make(generated / "en" / "attestation_foodshare.wav", "synth", "0.5", "sine", "300")
    sox_make(generated / "en" / "attestation_agree.wav", "synth", "0.5", "sine", "500")
    prompts = PromptLibrary(
        generated_dir=generated,
        recorded_dir=tmp_path / "recorded",
        published_dir=tmp_path / "published",
        asterisk_dir="/sounds",
        languages=["en", "es", "hmn"],
    )
    prompts.publish()
    return prompts


def test_the_script_is_the_attestation_then_the_agreement(
    policy: Policy, library: PromptLibrary
) -> None:
    script = script_for(policy, library, "foodshare", "en")
    assert script.script_id == "attestation_foodshare"
    assert script.media == (
        "sound:/sounds/en/attestation_foodshare",
        "sound:/sounds/en/attestation_agree",
    )
    assert [p.source for p in script.parts] == ["generated", "generated"]
    assert script.parts[0].text == policy.prompts["attestation_foodshare"]["en"]
    assert script_for(policy, library, "foodshare", "en").version == script.version


def test_a_new_recording_is_a_new_version(
    policy: Policy, library: PromptLibrary, tmp_path: Path
) -> None:
    before = script_for(policy, library, "foodshare", "en")
    recorded = tmp_path / "recorded" / "en"
    recorded.mkdir(parents=True)
    sox_make(recorded / "attestation_agree.wav", "synth", "0.7", "sine", "700")
    library.publish()
    after = script_for(policy, library, "foodshare", "en")
    assert after.version != before.version
    assert [p.source for p in after.parts] == ["generated", "recorded"]


def test_hmong_plays_once_recorded(policy: Policy, library: PromptLibrary, tmp_path: Path) -> None:
    with pytest.raises(ScriptUnavailable, match="attestation_foodshare has no sound in hmn"):
        script_for(policy, library, "foodshare", "hmn")
    recorded = tmp_path / "recorded" / "hmn"
    recorded.mkdir(parents=True)
    for name in ("attestation_foodshare", "attestation_agree"):
        sox_make(recorded / f"{name}.wav", "synth", "0.5", "sine", "400")
    library.publish()
    script = script_for(policy, library, "foodshare", "hmn")
    assert [(p.source, p.text) for p in script.parts] == [("recorded", None)] * 2
