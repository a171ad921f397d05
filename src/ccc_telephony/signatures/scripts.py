"""The attestation script a caller hears: the program's attestation, then the request to state
their name and agree, in the caller's language, as the prompt library plays them now.

Scripts are prompts like the IVR's (`attestation_<program>` and `attestation_agree` in the
policy's texts): generated from the admin's text in English and Spanish, recorded by phone
(*77) or uploaded where there is no voice (Hmong), a recording winning over a generated sound.
A script's version is a digest of the sounds actually played and of their texts, so any edit
of a text or a new recording is a new version; every version's words are kept
(signature_scripts) so the exact script behind a signature can be shown later.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from ccc_telephony.config.policy import Policy
from ccc_telephony.config.signatures import AGREE_PROMPT, script_prompt
from ccc_telephony.prompts.library import PromptLibrary


class ScriptUnavailable(LookupError):
    """No sound for part of the script in that language (e.g. Hmong not recorded yet)."""


@dataclass(frozen=True, slots=True)
class ScriptPart:
    prompt: str
    source: str  # generated or recorded
    sound_sha256: str
    text: str | None  # the policy's words; a recording in a language without text has none

    def as_json(self) -> dict[str, Any]:
        return {
            "prompt": self.prompt,
            "source": self.source,
            "sound_sha256": self.sound_sha256,
            "text": self.text,
        }


@dataclass(frozen=True, slots=True)
class Script:
    script_id: str
    language: str
    version: str
    parts: tuple[ScriptPart, ...]
    media: tuple[str, ...]


def script_for(policy: Policy, library: PromptLibrary, program: str, language: str) -> Script:
    """The script as it would play now; blocking (reads the sounds to digest them)."""
    script_id = script_prompt(program)
    sources = library.sources()
    parts, media = [], []
    for prompt in (script_id, AGREE_PROMPT):
        uri, path = library.media(prompt, language), library.published_file(prompt, language)
        if uri is None or path is None:
            raise ScriptUnavailable(f"{prompt} has no sound in {language} (record or upload it)")
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            raise ScriptUnavailable(f"{prompt} in {language}: its sound cannot be read") from None
        text = policy.prompts.get(prompt, {}).get(language)
        parts.append(ScriptPart(prompt, sources.get((language, prompt), "generated"), digest, text))
        media.append(uri)
    # The words are in it too: a text edited but not yet spoken again is another version.
    version = hashlib.sha256(
        "\n".join(f"{p.prompt}:{p.sound_sha256}:{p.text}" for p in parts).encode()
    ).hexdigest()[:16]
    return Script(script_id, language, version, tuple(parts), tuple(media))
