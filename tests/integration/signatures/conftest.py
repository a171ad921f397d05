"""Signatures for the ledger's tests, made through the service as a capture makes them: the
row begun, Asterisk's two recordings in its spool under the row's opaque names, then sealed.
Staff with API tokens come from the escalation tests' fixture."""

from __future__ import annotations

import asyncio
import math
import os
import secrets
import struct
import sys
import wave
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from ccc_telephony.app import Service
from ccc_telephony.devstack.stack import Stack
from ccc_telephony.signatures.service import Caller
from ccc_telephony.store.signatures import SignatureRow
from tests.integration.agents.conftest import phones
from tests.integration.escalations.conftest import Staff, api, staff

__all__ = ["Staff", "api", "phones", "staff"]

CLI = Path(sys.executable).with_name("ccc-telephony")
Signed = Callable[..., Awaitable[SignatureRow]]


def tone_wav(path: Path, frequency: float, seconds: float = 0.5) -> None:
    """A WAV as Asterisk records one: 8 kHz, 16-bit, mono."""
    rate = 8000
    samples = (
        int(8000 * math.sin(2 * math.pi * frequency * n / rate)) for n in range(int(rate * seconds))
    )
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(b"".join(struct.pack("<h", s) for s in samples))


def case_number() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(10))


@pytest.fixture
def signed(service: Service) -> Signed:
    """`await signed(agent, case=..., complete=True)`: a sealed signature whose files are real
    WAVs Asterisk's spool held."""

    async def sign(agent: str, *, case: str | None = None, complete: bool = True) -> SignatureRow:
        signatures = service.signatures.service
        begun = await signatures.begin(
            call_id=f"sig-test-{secrets.token_hex(6)}",
            agent_id=agent,
            how="api",
            by="test",
            program="health_care",
            language="es",
            caller=Caller(case_number=case or case_number()),
        )
        spool = service.settings.asterisk_recordings_dir
        spool.mkdir(parents=True, exist_ok=True)
        tone_wav(spool / f"{begun.row.caller_file}.wav", 440)
        tone_wav(spool / f"{begun.row.both_file}.wav", 660)
        sealed = await signatures.finish(begun.row, complete=complete, ended_by="api")
        assert sealed is not None
        await service.writer.wait_idle()
        return sealed

    return sign


@pytest.fixture
def cli(stack: Stack, database_url: str) -> Callable[..., Awaitable[tuple[int, str]]]:
    """`await cli("signatures", "verify")`: (exit status, stdout and stderr) of the real CLI
    on this session's database and the service's signatures folder."""

    async def run(*args: str) -> tuple[int, str]:
        process = await asyncio.create_subprocess_exec(
            str(CLI),
            *args,
            env={**os.environ, **stack.env, "DATABASE_URL": database_url},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        async with asyncio.timeout(60):
            out, _ = await process.communicate()
        assert process.returncode is not None
        return process.returncode, out.decode()

    return run
