"""The prompts Asterisk plays: a recording if an admin made one, else the generated sound.

Asterisk only ever reads `published_dir`, which `publish()` fills from the generated and
recorded folders. Those are rewritten at will; the published copy changes only by an atomic
rename, so a call never plays a half-written file. `media()` runs on every prompt of every call,
so it answers from an in-memory index that `publish()` rebuilds, without touching the disk.

The methods that touch files block (sox, copies): async callers run them in a thread.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ccc_telephony.prompts.audio import convert_upload, temp_sibling
from ccc_telephony.prompts.catalog import PROMPT_NAME
from ccc_telephony.prompts.errors import PromptError

Source = Literal["recorded", "generated"]


@dataclass(frozen=True, slots=True)
class PublishReport:
    copied: int
    removed: int


class PromptLibrary:
    """Recorded and generated prompts, merged into the folder Asterisk plays from."""

    def __init__(
        self,
        *,
        generated_dir: Path,
        recorded_dir: Path,
        published_dir: Path,
        asterisk_dir: str,
        languages: Iterable[str],
    ) -> None:
        self._generated_dir = generated_dir
        self._recorded_dir = recorded_dir
        self._published_dir = published_dir
        self._asterisk_dir = asterisk_dir.rstrip("/")
        self._languages = frozenset(languages)
        self._media: dict[tuple[str, str], str] = {}
        # Uploads run in threads; two publishes at once could delete each other's copies.
        self._lock = threading.Lock()

    def media(self, name: str, lang: str) -> str | None:
        """The ARI media URI of the prompt in that language, or None if it has no sound yet."""
        return self._media.get((lang, name))

    def published_file(self, name: str, lang: str) -> Path | None:
        """The file Asterisk plays for the prompt now, or None: a digest of exactly what a
        caller heard (a signature's script version) is taken from it."""
        if (lang, name) not in self._media:
            return None
        return self._published_dir / lang / f"{name}.wav"

    def has_language(self, lang: str, required: Iterable[str]) -> bool:
        """Whether every one of `required` can be played in `lang` (else callers get no menu)."""
        return all((lang, name) in self._media for name in required)

    def sources(self) -> dict[tuple[str, str], Source]:
        """(language, name) -> where its sound comes from; reads the folders, not the index."""
        chosen: dict[tuple[str, str], Source] = dict.fromkeys(
            _scan(self._generated_dir, self._languages), "generated"
        )
        chosen.update(dict.fromkeys(_scan(self._recorded_dir, self._languages), "recorded"))
        return chosen

    def publish(self) -> PublishReport:
        """Copy each prompt's winning sound to `published_dir`, drop stale ones, reindex."""
        with self._lock:
            roots = {"recorded": self._recorded_dir, "generated": self._generated_dir}
            wanted = {
                (lang, name): roots[source] / lang / f"{name}.wav"
                for (lang, name), source in self.sources().items()
            }
            copied = sum(
                _copy_if_changed(src, self._published_dir / lang / f"{name}.wav")
                for (lang, name), src in wanted.items()
            )
            removed = 0
            for path in self._published_dir.glob("*/*.wav"):
                if (path.parent.name, path.stem) not in wanted:
                    path.unlink()
                    removed += 1
            self._media = {
                (lang, name): f"sound:{self._asterisk_dir}/{lang}/{name}" for lang, name in wanted
            }
        return PublishReport(copied=copied, removed=removed)

    def save_recording(self, name: str, lang: str, source: Path | bytes) -> Path:
        """Validate and convert an admin's WAV into the recorded folder, then publish it."""
        dest = self._recording(name, lang)
        convert_upload(source, dest)
        self.publish()
        return dest

    def remove_recording(self, name: str, lang: str) -> None:
        """Drop the admin's recording; the generated sound (if any) is played again."""
        try:
            self._recording(name, lang).unlink()
        except FileNotFoundError:
            raise PromptError(f"there is no recording of {name} in {lang}") from None
        self.publish()

    def _recording(self, name: str, lang: str) -> Path:
        """The recording's path, once name and language are known to be safe file names."""
        if not PROMPT_NAME.fullmatch(name):
            raise PromptError(f"invalid prompt name {name!r}: lowercase letters, digits and _ only")
        if lang not in self._languages:
            raise PromptError(
                f"unknown language {lang!r}: one of {', '.join(sorted(self._languages))}"
            )
        return self._recorded_dir / lang / f"{name}.wav"


def _scan(root: Path, languages: frozenset[str]) -> list[tuple[str, str]]:
    return [
        (lang, path.stem)
        for lang in sorted(languages)
        for path in sorted((root / lang).glob("*.wav"))
        if PROMPT_NAME.fullmatch(path.stem)
    ]


def _copy_if_changed(src: Path, dest: Path) -> bool:
    """Copy keeping the modification time, so size and time tell whether the copy is current."""
    source, current = src.stat(), dest.stat() if dest.exists() else None
    if current and (current.st_size, current.st_mtime_ns) == (source.st_size, source.st_mtime_ns):
        return False
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = temp_sibling(dest)
    try:
        shutil.copy2(src, part)
        os.replace(part, dest)
    finally:
        part.unlink(missing_ok=True)
    return True
