"""An admin uploads a prompt with a real HTTP PUT: the whole recording is stored (however the
body arrives in pieces), a WAV cut short on its way is refused, and so is an oversize body."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import wave
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest

from ccc_telephony.app import Service
from ccc_telephony.prompts.errors import PromptError
from tests.unit.prompts.sounds import tone_wav

LANGUAGE, PROMPT = "hmn", "goodbye"
RATE = 44_100
SECONDS = 40  # 7 MB at 44.1 kHz 16-bit stereo: many reads of the request body


def duration(path: Path) -> float:
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / wav.getframerate()


@pytest.fixture
async def upload(service: Service, admin_token: str) -> AsyncIterator[Any]:
    """`await upload(body)` -> (status, JSON reply); the recording is removed after the test."""
    url = f"http://127.0.0.1:{service.settings.http_port}/api/v1/prompts/{LANGUAGE}/{PROMPT}"
    headers = {"Authorization": f"Bearer {admin_token}", "Content-Type": "audio/wav"}
    async with aiohttp.ClientSession() as session:

        async def put(body: bytes) -> tuple[int, dict[str, Any]]:
            async with session.put(url, data=io.BytesIO(body), headers=headers) as reply:
                return reply.status, json.loads(await reply.read())

        yield put
    with contextlib.suppress(PromptError):
        await asyncio.to_thread(service.prompts.remove_recording, PROMPT, LANGUAGE)


async def test_a_multi_megabyte_upload_is_stored_whole(
    service: Service, upload: Any, db: asyncpg.Connection
) -> None:
    body = tone_wav(SECONDS, rate=RATE, channels=2)
    assert len(body) > 7_000_000
    status, reply = await upload(body)
    assert status == 201, reply
    assert service.prompts.sources()[(LANGUAGE, PROMPT)] == "recorded"
    stored = await db.fetchval(
        "SELECT stored_path FROM prompt_recordings WHERE prompt = $1 AND language = $2"
        " ORDER BY id DESC LIMIT 1",
        PROMPT,
        LANGUAGE,
    )
    assert duration(Path(stored)) == pytest.approx(SECONDS, abs=0.05)


async def test_a_truncated_wav_is_refused(service: Service, upload: Any) -> None:
    body = tone_wav(10, rate=RATE, channels=2)
    status, reply = await upload(body[: len(body) // 3])
    assert status == 400, reply
    assert "truncated WAV" in reply["detail"]
    assert f"{len(body) - 44:,} bytes of audio" in reply["detail"]
    assert service.prompts.sources().get((LANGUAGE, PROMPT)) != "recorded"


async def test_an_upload_over_20_mb_is_refused(service: Service, upload: Any) -> None:
    status, reply = await upload(b"RIFF" + bytes(20 * 1024 * 1024))
    assert status == 413, reply
    assert "20 MB" in reply["detail"]
    assert service.prompts.sources().get((LANGUAGE, PROMPT)) != "recorded"
