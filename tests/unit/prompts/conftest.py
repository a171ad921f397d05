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
from tests.unit.prompts.sounds import sox_make


@pytest.fixture
def tone(tmp_path: Path) -> Path:
    """One second of 440 Hz at 44.1 kHz stereo, as a phone or browser might send."""
    return sox_make(
        tmp_path / "tone.wav", "synth", "1", "sine", "440", "vol", "0.5", rate=44100, channels=2
    )


@pytest.fixture
def tiny_policy() -> Policy:
    """English with one-word texts plus Hmong's menu line: quick to generate."""
    prompts = {
        name: {"en": name.replace("_", " ")}
        for name in (
            *PROMPT_NAMES,
            *Signatures().prompts(),
            *MAILBOX_PROMPT_NAMES,
            *Callbacks().prompts(),
            *AFTER_HOURS_PROMPT_NAMES,
            *STAFF_PROMPT_NAMES,
        )
    }
    prompts["closed"] = {"en": "Closed. Hours: {hours}."}
    prompts["mailbox_offer"] = {"en": "Mailbox, press 8."}  # it must name mailboxes.ivr_key
    prompts["language_menu"]["hmn"] = "Hais lus Hmoob, nias 3."
    return Policy.model_validate(
        {
            "main_number": "6085550100",
            "hours": {"monday": [{"open": "08:00", "close": "17:00"}]},
            "languages": [
                {"code": "en", "key": "1", "name": "English", "tts_voice": "en-us"},
                {"code": "hmn", "key": "3", "name": "Hmong", "language_menu_voice": "en-us"},
            ],
            "menu": {"options": {"0": {"action": "operator"}}},
            "queues": {"operator": {}, "ebd": {}, "family": {}, "help": {}},
            "prompts": prompts,
            "agents": {"coverage": {}},
        }
    )


@pytest.fixture
def tiny_directory() -> Directory:
    return Directory.model_validate(
        {
            "counties": {13: "Dane", 40: "Milwaukee"},
            "home": "capital",
            "consortia": [
                {"id": "capital", "name": "Capital", "phone": "8885550101", "counties": ["Dane"]},
                {"id": "mil", "name": "MES", "phone": "8885550111", "counties": ["Milwaukee"]},
            ],
        }
    )
