"""What a recording Asterisk made really holds, judged from the WAV file itself: a caller's
message (worth a call back?) or an admin's prompt take (usable?).

Asterisk's own recording duration leaves out what its silence detector calls silence and often
reports 0 for real speech over a phone line, so we read the file: its length and its loudest
sample. A message of under a second, or one that never rises above line noise, is empty.
"""

from __future__ import annotations

import wave
from array import array
from dataclasses import dataclass
from pathlib import Path

MIN_SECONDS = 1.0
MIN_PEAK = 300  # of 32767: about -40 dBFS, above the comfort noise of a quiet line


@dataclass(frozen=True, slots=True)
class RecordedAudio:
    seconds: float
    peak: int

    @property
    def has_message(self) -> bool:
        return self.seconds >= MIN_SECONDS and self.peak >= MIN_PEAK


def inspect(path: Path) -> RecordedAudio:
    """Length and peak of a 16-bit PCM WAV; a missing or unreadable file is an empty message."""
    try:
        with wave.open(str(path), "rb") as wav:
            if wav.getsampwidth() != 2 or wav.getframerate() <= 0:
                return RecordedAudio(0.0, 0)
            frames = wav.readframes(wav.getnframes())
            seconds = wav.getnframes() / wav.getframerate()
    except (OSError, EOFError, wave.Error):
        return RecordedAudio(0.0, 0)
    samples = array("h")
    samples.frombytes(frames[: len(frames) // 2 * 2])
    peak = max((abs(sample) for sample in samples), default=0)
    return RecordedAudio(round(seconds, 2), min(peak, 32767))
