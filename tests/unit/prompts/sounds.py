"""Making and inspecting test sounds with the real sox."""

import array
import io
import math
import subprocess
import wave
from pathlib import Path


def sox_make(path: Path, *effects: str, rate: int = 8000, channels: int = 1) -> Path:
    """A sound synthesised by sox from nothing through `effects` (e.g. synth 1 sine 440)."""
    subprocess.run(
        ["sox", "-n", "-r", str(rate), "-c", str(channels), str(path), *effects], check=True
    )
    return path


def phone_format(path: Path) -> tuple[str, str, str, str]:
    """(file type, rate, channels, bits) as soxi reads them from the file itself."""
    fields = [
        subprocess.run(
            ["soxi", flag, str(path)], capture_output=True, text=True, check=True
        ).stdout.strip()
        for flag in ("-t", "-r", "-c", "-b")
    ]
    return fields[0], fields[1], fields[2], fields[3]


PHONE = ("wav", "8000", "1", "16")


def tone_wav(seconds: int, *, rate: int = 8000, channels: int = 1) -> bytes:
    """A 16-bit WAV of a tone at rate/100 Hz (Python's wave module: a plain 44-byte header),
    built from one repeated period so that minutes of it take no time to make."""
    period = array.array(
        "h",
        (
            int(12_000 * math.sin(2 * math.pi * i / 100))
            for i in range(100)
            for _ in range(channels)
        ),
    )
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(period.tobytes() * (rate * seconds // 100))
    return out.getvalue()
