"""Turning an admin's WAV (uploaded or recorded by phone) into a sound Asterisk plays well.

The bytes are untrusted in the sense that matters: they go to sox's parsers. So they are checked
for a WAV header first, reach sox only as an absolute path in a list of arguments (never a shell;
sox reads a name starting with "-" as an option and one starting with "|" as a command to run),
and only WAV is accepted, which keeps sox's less-used format parsers out of reach. A file that
is silent, a click, or a forgotten recorder is refused with a reason the admin can act on.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ccc_telephony.prompts.errors import PromptError

MAX_BYTES = 20 * 1024 * 1024
MIN_SECONDS = 0.3
MAX_SECONDS = 300.0
# Peak amplitude (full scale 1.0) under which a recording is taken as silence: -40 dBFS,
# well under any spoken prompt and above the hiss of a quiet phone line.
SILENCE_PEAK = 0.01
# What Asterisk plays without transcoding on a narrowband call: 8 kHz mono 16-bit PCM.
PHONE_FORMAT = ("-t", "wav", "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer")
SOX_TIMEOUT_SECONDS = 60.0

_WAV_MAGIC = re.compile(rb"^(RIFF|RF64)....WAVE", re.DOTALL)
_STAT_LINE = re.compile(r"^(Length \(seconds\)|Maximum amplitude|Minimum amplitude):\s*(\S+)", re.M)


@dataclass(frozen=True, slots=True)
class AudioInfo:
    """What the admin is told about an accepted recording."""

    duration_seconds: float
    peak: float


def require_tool(name: str) -> str:
    """The tool's full path, or a PromptError telling the admin which package to install."""
    path = shutil.which(name)
    if path is None:
        raise PromptError(f"{name} is not installed (Debian/Ubuntu: apt install {name})")
    return path


def temp_sibling(dest: Path) -> Path:
    """A fresh name beside `dest`, so that writing it then renaming it over `dest` is atomic."""
    return dest.with_name(f".{dest.name}.{secrets.token_hex(6)}.part")


def convert_upload(source: Path | bytes, dest: Path) -> AudioInfo:
    """Check `source` is a usable spoken recording and write it to `dest` in the phone format."""
    sox = require_tool("sox")
    with tempfile.TemporaryDirectory(prefix="ccc-upload-") as tmp:
        if isinstance(source, bytes):
            _check_size(len(source))
            _check_header(source[:12])
            path = Path(tmp) / "upload.wav"
            path.write_bytes(source)
        else:
            path = source.resolve()
            try:
                _check_size(path.stat().st_size)
                with path.open("rb") as file:
                    _check_header(file.read(12))
            except OSError as exc:
                raise PromptError(f"cannot read {source}: {exc.strerror}") from None
        return _convert(sox, path, dest)


def _check_size(size: int) -> None:
    if size == 0:
        raise PromptError("empty file")
    if size > MAX_BYTES:
        raise PromptError(
            f"too large: {size / 1_048_576:.1f} MB, at most {MAX_BYTES // 1_048_576} MB"
        )


def _check_header(head: bytes) -> None:
    if not _WAV_MAGIC.match(head):
        raise PromptError("not a WAV/audio file")


def _convert(sox: str, source: Path, dest: Path) -> AudioInfo:
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = temp_sibling(dest)
    try:
        # Effects spelled out so that `stat` measures the converted sound, as callers hear it.
        args = [sox, "-t", "wav", str(source), *PHONE_FORMAT, str(part)]
        result = subprocess.run(
            [*args, "channels", "1", "rate", "8000", "stat"],
            capture_output=True,
            text=True,
            errors="replace",
            timeout=SOX_TIMEOUT_SECONDS,
            check=False,
        )
        if result.returncode != 0:
            reason = result.stderr.strip().rsplit(": ", 1)[-1]
            raise PromptError(f"not a readable WAV/audio file ({reason})")
        info = _parse_stat(result.stderr)
        check_audio(info)
        os.replace(part, dest)
        return info
    except subprocess.TimeoutExpired:
        raise PromptError("converting the recording took too long") from None
    finally:
        part.unlink(missing_ok=True)


def _parse_stat(report: str) -> AudioInfo:
    values = {key: float(value) for key, value in _STAT_LINE.findall(report)}
    if len(values) != 3:
        raise PromptError("not a readable WAV/audio file (no audio data)")
    peak = max(values["Maximum amplitude"], -values["Minimum amplitude"])
    return AudioInfo(duration_seconds=values["Length (seconds)"], peak=peak)


def check_audio(info: AudioInfo) -> None:
    """PromptError saying why a sound cannot be a prompt (too short, too long, silent).

    Shared by uploads and recordings by phone, so an admin's take is judged the same way both
    times: when it is heard back and when it is saved.
    """
    if info.duration_seconds < MIN_SECONDS:
        raise PromptError(f"too short: {info.duration_seconds:.1f} s, at least {MIN_SECONDS} s")
    if info.duration_seconds > MAX_SECONDS:
        raise PromptError(f"too long: {info.duration_seconds:.0f} s, at most {MAX_SECONDS:.0f} s")
    if info.peak < SILENCE_PEAK:
        raise PromptError("silent recording: nothing above -40 dB was heard")
