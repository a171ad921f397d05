"""The `prompts` commands of the main CLI: generate, upload a recording, list what plays.

Each returns an exit status and prints an admin's error (bad policy, bad WAV, missing tool) as
one line on stderr rather than a traceback. The main CLI owns the argument parsing.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ccc_telephony.config.directory import Directory, load_directory
from ccc_telephony.config.policy import Policy, PolicyError, load_policy
from ccc_telephony.config.settings import Settings
from ccc_telephony.prompts.catalog import recordable_prompts
from ccc_telephony.prompts.errors import PromptError
from ccc_telephony.prompts.generate import generate_all
from ccc_telephony.prompts.library import PromptLibrary
from ccc_telephony.store.directory import read_now


def cmd_generate(settings: Settings) -> int:
    """Regenerate changed TTS prompts and publish them, so Asterisk plays the new texts."""
    try:
        policy, directory = _load(settings)
        report = generate_all(policy, directory, settings.generated_sounds_dir)
        published = library(settings, policy).publish()
    except (PolicyError, PromptError) as exc:
        return _fail(exc)
    print(
        f"generated {len(report.generated)}, unchanged {report.unchanged}, "
        f"removed {len(report.removed)}; published {published.copied} changed sound(s)"
    )
    return 0


def cmd_upload(settings: Settings, lang: str, name: str, wav_path: Path) -> int:
    """Make an admin's WAV the sound of prompt `name` in `lang`, replacing any generated one."""
    try:
        policy, directory = _load(settings)
        if name not in _prompt_names(policy, directory):
            raise PromptError(f"unknown prompt {name!r} (see the prompts list command)")
        saved = library(settings, policy).save_recording(name, lang, wav_path)
    except (PolicyError, PromptError) as exc:
        return _fail(exc)
    print(f"recorded {lang}/{name}: {saved}")
    return 0


def cmd_list(settings: Settings) -> int:
    """Every prompt in every language and where its sound comes from, missing ones included.

    The number is what an admin keys to record the prompt by phone (*77 from the admin phone);
    the admin's own prompts have none and are listed only where they have a sound.
    """
    try:
        policy, directory = _load(settings)
        numbered = recordable_prompts(policy, directory)
        names = _prompt_names(policy, directory)
    except (PolicyError, PromptError) as exc:
        return _fail(exc)
    sources = library(settings, policy).sources()
    names = list(dict.fromkeys([*names, *(name for _, name in sources)]))
    number = {name: str(index) for index, name in enumerate(numbered, start=1)}
    rows = [
        (number.get(name, ""), name, lang.code, sources.get((lang.code, name), "missing"))
        for name in names
        for lang in policy.languages
        if name in number or (lang.code, name) in sources
    ]
    width = max(len("prompt"), *(len(name) for name in names))
    print(f"{'no':>3}  {'prompt':<{width}}  language  source")
    for no, name, code, source in rows:
        print(f"{no:>3}  {name:<{width}}  {code:<8}  {source}")
    return 0


def library(settings: Settings, policy: Policy) -> PromptLibrary:
    """The service's prompt library as the settings place it; for the CLI and the service."""
    return PromptLibrary(
        generated_dir=settings.generated_sounds_dir,
        recorded_dir=settings.data_dir / "prompts",
        published_dir=settings.sounds_dir,
        asterisk_dir=settings.sounds_dir_for_asterisk,
        languages=[lang.code for lang in policy.languages],
    )


def _load(settings: Settings) -> tuple[Policy, Directory]:
    """The policy, and the directory as admins edited it in the database (its consortia have
    sounds too); the seed file while there is none."""
    seed = load_directory(settings.directory_file)
    directory = read_now(settings.database_url, seed) if settings.database_url else seed
    return load_policy(settings.policy_file), directory


def _prompt_names(policy: Policy, directory: Directory) -> list[str]:
    """The numbered prompts, then the admin's own, each once."""
    return list(dict.fromkeys([*recordable_prompts(policy, directory), *policy.prompts]))


def _fail(exc: Exception) -> int:
    print(f"error: {exc}", file=sys.stderr)
    return 1
