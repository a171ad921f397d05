"""Making and inspecting test sounds with the real sox."""

import subprocess
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
