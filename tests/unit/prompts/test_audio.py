import os
import struct
from pathlib import Path

import pytest

from ccc_telephony.prompts.audio import MAX_BYTES, convert_upload
from ccc_telephony.prompts.errors import PromptError
from tests.unit.prompts.sounds import PHONE, phone_format, sox_make, tone_wav


def test_converts_a_stereo_44k_tone_to_phone_format(tone: Path, tmp_path: Path) -> None:
    dest = tmp_path / "out" / "en" / "greeting.wav"
    info = convert_upload(tone, dest)
    assert phone_format(dest) == PHONE
    assert info.duration_seconds == pytest.approx(1.0, abs=0.01)
    assert info.peak == pytest.approx(0.5, abs=0.05)
    assert [p.name for p in dest.parent.iterdir()] == ["greeting.wav"]


def test_accepts_bytes(tone: Path, tmp_path: Path) -> None:
    dest = tmp_path / "greeting.wav"
    convert_upload(tone.read_bytes(), dest)
    assert phone_format(dest) == PHONE


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty file"),
        (os.urandom(4096), "not a WAV/audio file"),
        (b"RIFF\x10\x00\x00\x00WAVEjunkjunk", "not a readable WAV/audio file"),
        (b"RIFF" + bytes(MAX_BYTES), "too large: 20.0 MB, at most 20 MB"),
    ],
    ids=["empty", "random", "broken-wav", "too-large"],
)
def test_rejects_what_is_not_audio(data: bytes, message: str, tmp_path: Path) -> None:
    dest = tmp_path / "greeting.wav"
    with pytest.raises(PromptError, match=message):
        convert_upload(data, dest)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("effects", "message"),
    [
        (("synth", "0.1", "sine", "440"), r"too short: 0\.1 s, at least 0\.3 s"),
        (("synth", "301", "sine", "440"), "too long: 301 s, at most 300 s"),
        (("trim", "0", "2"), "silent recording"),
        (("synth", "2", "whitenoise", "vol", "0.005"), "silent recording"),
    ],
    ids=["too-short", "too-long", "digital-silence", "faint-hiss"],
)
def test_rejects_unusable_recordings(
    effects: tuple[str, ...], message: str, tmp_path: Path
) -> None:
    source = sox_make(tmp_path / "source.wav", *effects)
    dest = tmp_path / "out" / "greeting.wav"
    with pytest.raises(PromptError, match=message):
        convert_upload(source, dest)
    assert list(dest.parent.iterdir()) == []


def test_a_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(PromptError, match=r"cannot read .*nothing\.wav"):
        convert_upload(tmp_path / "nothing.wav", tmp_path / "greeting.wav")


def rf64(wav: bytes) -> bytes:
    """The same sound as RF64 (as long-form recorders write it): sizes in a ds64 chunk, the
    data chunk's own length 0xFFFFFFFF. `wav` has the wave module's plain header: RIFF, fmt
    and data chunks."""
    fmt_end = 20 + struct.unpack_from("<I", wav, 16)[0]
    fmt, data = wav[12:fmt_end], wav[fmt_end + 8 :]
    ds64 = b"ds64" + struct.pack("<IQQQI", 28, 4 + 36 + len(fmt) + 8 + len(data), len(data), 0, 0)
    return b"RF64\xff\xff\xff\xffWAVE" + ds64 + fmt + b"data\xff\xff\xff\xff" + data


def test_a_truncated_wav_is_refused_however_it_comes(tmp_path: Path) -> None:
    whole = tone_wav(1, rate=44_100, channels=2)
    half = whole[: len(whole) // 2]
    cut = tmp_path / "cut.wav"
    cut.write_bytes(half)
    dest = tmp_path / "out" / "greeting.wav"
    for source in (half, cut):  # an upload's bytes, a file named on the command line
        with pytest.raises(
            PromptError, match=r"announces 176,400 bytes of audio, the file holds 88,178"
        ):
            convert_upload(source, dest)
    assert not dest.exists()


def test_a_wav_cut_inside_its_header_has_no_audio(tmp_path: Path) -> None:
    with pytest.raises(PromptError, match=r"not a readable WAV/audio file \(no audio data\)"):
        convert_upload(tone_wav(1)[:40], tmp_path / "greeting.wav")


def test_rf64_is_read_by_its_ds64_sizes(tmp_path: Path) -> None:
    whole = rf64(tone_wav(1))
    dest = tmp_path / "greeting.wav"
    assert convert_upload(whole, dest).duration_seconds == pytest.approx(1.0, abs=0.01)
    with pytest.raises(
        PromptError, match=r"announces 16,000 bytes of audio, the file holds 12,000"
    ):
        convert_upload(whole[:-4000], dest)
