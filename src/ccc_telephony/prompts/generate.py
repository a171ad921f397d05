"""Generating the catalog's prompts with espeak-ng and sox.

Run after every policy change, so it is incremental: `manifest.json` remembers the digest of
voice and text each file was made from; only changed prompts are spoken again and prompts that
left the catalog are deleted. The remaining work runs a few processes at a time. Texts reach
espeak-ng as one argument after "--" (never through a shell, never read as an option).
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ccc_telephony.config.directory import Directory
from ccc_telephony.config.policy import Policy
from ccc_telephony.prompts.audio import PHONE_FORMAT, require_tool, temp_sibling
from ccc_telephony.prompts.catalog import PromptSpec, build_catalog
from ccc_telephony.prompts.errors import PromptError

MANIFEST = "manifest.json"
# Words per minute: espeak-ng's default of 175 is hard to follow on a phone line.
SPEED = "150"
TOOL_TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class GenerateReport:
    """What a run changed, as `<language>/<name>` keys."""

    generated: tuple[str, ...]
    unchanged: int
    removed: tuple[str, ...]


def generate_all(
    policy: Policy, directory: Directory, out_dir: Path, *, workers: int | None = None
) -> GenerateReport:
    """Bring `out_dir/<lang>/<name>.wav` in line with the catalog; PromptError lists failures."""
    espeak, sox = require_tool("espeak-ng"), require_tool("sox")
    specs = build_catalog(policy, directory)
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest_path = out_dir / MANIFEST
    previous = _read_manifest(manifest_path)
    todo = [
        spec
        for spec in specs
        if previous.get(spec.key) != spec.digest or not _wav(out_dir, spec.key).is_file()
    ]
    removed = _remove_stale(out_dir, {spec.key for spec in specs})
    with ThreadPoolExecutor(max_workers=workers or min(8, os.cpu_count() or 2)) as pool:
        errors = list(pool.map(lambda spec: _speak(espeak, sox, spec, out_dir), todo))
    failed = {spec.key: error for spec, error in zip(todo, errors, strict=True) if error}
    _write_manifest(
        manifest_path, {spec.key: spec.digest for spec in specs if spec.key not in failed}
    )
    if failed:
        lines = "\n".join(f"  {key}: {error}" for key, error in sorted(failed.items()))
        raise PromptError(f"{len(failed)} prompt(s) could not be generated:\n{lines}")
    return GenerateReport(
        generated=tuple(spec.key for spec in todo),
        unchanged=len(specs) - len(todo),
        removed=removed,
    )


def _wav(out_dir: Path, key: str) -> Path:
    return out_dir / f"{key}.wav"


def _speak(espeak: str, sox: str, spec: PromptSpec, out_dir: Path) -> str | None:
    """Write one prompt atomically; the error to report, or None. Runs in a worker thread."""
    dest = _wav(out_dir, spec.key)
    dest.parent.mkdir(exist_ok=True)
    try:
        _speak_to(espeak, sox, spec.text, spec.voice, dest)
        return None
    except PromptError as exc:
        return str(exc)


def speak(text: str, voice: str, dest: Path) -> None:
    """One text spoken into `dest` (atomically, in the phone format): a sound that is not a
    prompt of the catalog, e.g. a mailbox's greeting naming its agent. Blocks; PromptError."""
    _speak_to(require_tool("espeak-ng"), require_tool("sox"), text, voice, dest)


def _speak_to(espeak: str, sox: str, text: str, voice: str, dest: Path) -> None:
    part = temp_sibling(dest)
    try:
        with tempfile.TemporaryDirectory(prefix="ccc-tts-") as tmp:
            speech = str(Path(tmp) / "speech.wav")
            _run([espeak, "-v", voice, "-s", SPEED, "-w", speech, "--", text])
            _run([sox, speech, *PHONE_FORMAT, str(part)])
        os.replace(part, dest)
    finally:
        part.unlink(missing_ok=True)


def _run(args: list[str]) -> None:
    try:
        result = subprocess.run(
            args,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=TOOL_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise PromptError(f"{Path(args[0]).name} took too long") from None
    if result.returncode != 0:
        detail = result.stderr.strip() or f"exit status {result.returncode}"
        raise PromptError(f"{Path(args[0]).name} failed: {detail}")


def _remove_stale(out_dir: Path, keep: set[str]) -> tuple[str, ...]:
    removed: list[str] = []
    for path in sorted(out_dir.glob("*/*.wav")):
        key = f"{path.parent.name}/{path.stem}"
        if key not in keep:
            path.unlink()
            removed.append(key)
    for folder in out_dir.iterdir():
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    return tuple(removed)


def _read_manifest(path: Path) -> dict[str, str]:
    """The previous run's digests; anything unreadable just means regenerating everything."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(key): str(value) for key, value in data.items()}


def _write_manifest(path: Path, digests: dict[str, str]) -> None:
    part = temp_sibling(path)
    part.write_text(json.dumps(digests, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(part, path)
