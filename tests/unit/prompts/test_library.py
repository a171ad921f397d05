import shutil
from pathlib import Path

import pytest

from ccc_telephony.prompts.errors import PromptError
from ccc_telephony.prompts.library import PromptLibrary
from tests.unit.prompts.sounds import PHONE, phone_format, sox_make


@pytest.fixture
def generated(tmp_path: Path) -> Path:
    """Generated English greeting and goodbye; nothing for Hmong (no voice)."""
    root = tmp_path / "generated"
    (root / "en").mkdir(parents=True)
    sox_make(root / "en" / "greeting.wav", "synth", "0.5", "sine", "300")
    sox_make(root / "en" / "goodbye.wav", "synth", "0.5", "sine", "600")
    return root


@pytest.fixture
def library(tmp_path: Path, generated: Path) -> PromptLibrary:
    return PromptLibrary(
        generated_dir=generated,
        recorded_dir=tmp_path / "recorded",
        published_dir=tmp_path / "published",
        asterisk_dir="/chroot/sounds/",
        languages=["en", "es", "hmn"],
    )


def test_publish_indexes_generated_prompts(library: PromptLibrary, tmp_path: Path) -> None:
    assert library.media("greeting", "en") is None  # nothing before the first publish
    report = library.publish()
    assert (report.copied, report.removed) == (2, 0)
    assert library.media("greeting", "en") == "sound:/chroot/sounds/en/greeting"
    assert library.media("greeting", "hmn") is None
    assert library.has_language("en", ["greeting", "goodbye"])
    assert not library.has_language("hmn", ["greeting"])
    assert library.publish().copied == 0  # nothing changed


def test_recording_wins_over_generated(library: PromptLibrary, tone: Path, tmp_path: Path) -> None:
    library.publish()
    saved = library.save_recording("greeting", "en", tone)
    published = tmp_path / "published" / "en" / "greeting.wav"
    assert saved == tmp_path / "recorded" / "en" / "greeting.wav"
    assert published.read_bytes() == saved.read_bytes()
    assert phone_format(published) == PHONE
    assert library.sources()[("en", "greeting")] == "recorded"

    library.remove_recording("greeting", "en")
    assert published.read_bytes() == (tmp_path / "generated" / "en" / "greeting.wav").read_bytes()
    assert library.sources()[("en", "greeting")] == "generated"


def test_a_hmong_recording_makes_the_prompt_playable(library: PromptLibrary, tone: Path) -> None:
    library.save_recording("language_menu", "hmn", tone.read_bytes())
    assert library.media("language_menu", "hmn") == "sound:/chroot/sounds/hmn/language_menu"
    assert library.has_language("hmn", ["language_menu"])


def test_stale_published_sounds_are_removed(
    library: PromptLibrary, generated: Path, tmp_path: Path
) -> None:
    library.publish()
    (generated / "en" / "goodbye.wav").unlink()
    shutil.copy(generated / "en" / "greeting.wav", tmp_path / "published" / "en" / "old.wav")
    assert library.publish().removed == 2
    assert library.media("goodbye", "en") is None
    assert sorted(p.name for p in (tmp_path / "published" / "en").iterdir()) == ["greeting.wav"]


@pytest.mark.parametrize(
    ("name", "lang", "message"),
    [
        ("../etc/passwd", "en", "invalid prompt name"),
        ("greeting/../../x", "en", "invalid prompt name"),
        ("Greeting", "en", "invalid prompt name"),
        ("greeting", "../en", "unknown language"),
        ("greeting", "fr", "unknown language"),
    ],
)
def test_save_recording_refuses_unsafe_names(
    library: PromptLibrary, tone: Path, tmp_path: Path, name: str, lang: str, message: str
) -> None:
    with pytest.raises(PromptError, match=message):
        library.save_recording(name, lang, tone)
    assert not (tmp_path / "recorded").exists()


def test_removing_a_missing_recording_is_reported(library: PromptLibrary) -> None:
    with pytest.raises(PromptError, match="no recording of greeting in en"):
        library.remove_recording("greeting", "en")
