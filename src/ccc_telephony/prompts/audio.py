"""Turning an admin's WAV (uploaded or recorded by phone) into a sound Asterisk plays well.

The bytes are untrusted in the sense that matters: they go to sox's parsers. So they are checked
for a WAV header first, reach sox only as an absolute path in a list of arguments (never a shell;
sox reads a name starting with "-" as an option and one starting with "|" as a command to run),
and only WAV is accepted, which keeps sox's less-used format parsers out of reach. A file that
is silent, a click, or a forgotten recorder is refused with a reason the admin can act on, and
so is a WAV cut short on its way (sox plays what there is without a word, so a broken upload
would silently become a short prompt).
"""

from __future__ import annotations

import io
import os
import re
import secrets
import shutil
import struct
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

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
_CHUNK_HEADER = struct.Struct("<4sI")  # RIFF chunk: id, length of what follows
_RF64_SIZES = struct.Struct("<QQ")  # ds64 chunk: RIFF size, data size (then more)
_RF64_UNKNOWN = 0xFFFFFFFF  # an RF64 data chunk's own length: see the ds64 chunk
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
            _check_wav(io.BytesIO(source), len(source))
            path = Path(tmp) / "upload.wav"
            path.write_bytes(source)
        else:
            path = source.resolve()
            try:
                size = path.stat().st_size
                _check_size(size)
                with path.open("rb") as file:
                    _check_wav(file, size)
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


def _check_wav(file: BinaryIO, size: int) -> None:
    """A WAV header, and at least as much audio after it as its data chunk announces."""
    head = file.read(12)
    if not _WAV_MAGIC.match(head):
        raise PromptError("not a WAV/audio file")
    rf64_data: int | None = None
    offset = len(head)
    while offset + _CHUNK_HEADER.size <= size:
        file.seek(offset)
        chunk, length = _CHUNK_HEADER.unpack(file.read(_CHUNK_HEADER.size))
        offset += _CHUNK_HEADER.size
        if chunk == b"ds64" and length >= _RF64_SIZES.size:
            rf64_data = _RF64_SIZES.unpack(file.read(_RF64_SIZES.size))[1]
        if chunk == b"data":
            declared = rf64_data if length == _RF64_UNKNOWN and rf64_data is not None else length
            if declared > size - offset:
                raise PromptError(
                    f"truncated WAV: its header announces {declared:,} bytes of audio, the file"
                    f" holds {size - offset:,} (cut short on its way?)"
                )
            return
        offset += length + length % 2  # chunks are padded to an even length
    raise PromptError("not a readable WAV/audio file (no audio data)")


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
