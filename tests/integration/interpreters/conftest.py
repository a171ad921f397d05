"""The interpreter line against the real Asterisk: agents' fixtures (roster, API, SIPp phones)
and the sandbox's language line, a SIPp phone registered as `language-line`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from ccc_telephony.app import Service
from ccc_telephony.devstack.stack import Stack
from tests.integration.agents.conftest import api, phones, token_for
from tests.integration.support.ports import free_udp_port
from tests.sipp import CallHandling, Credentials, SipPhone

__all__ = ["api", "phones", "token_for"]


@pytest.fixture
async def language_line(stack: Stack, tmp_path: Path) -> AsyncIterator[Callable[..., Any]]:
    """`await language_line(rtp_port=...)`: the interpretation line's phone, registered,
    answering; stopped after the test."""
    started: list[SipPhone] = []

    async def start(**extra: Any) -> SipPhone:
        password = (stack.inst.secrets_dir / "language-line-password").read_text().strip()
        phone = SipPhone(
            registrar=f"127.0.0.1:{stack.inst.ports.sip}",
            credentials=Credentials("language-line", password),
            local_port=free_udp_port(),
            media_port=free_udp_port(even=True),
            workdir=tmp_path,
            **({"handling": CallHandling(transfers=True)} | extra),
        )
        await phone.__aenter__()
        started.append(phone)
        return phone

    yield start
    for phone in started:
        await phone.stop()


async def channels_gone(service: Service, *channel_ids: str, timeout: float = 5) -> None:
    """Poll Asterisk (its own channel list, not the service's belief) until none of these
    channels is there."""
    async with asyncio.timeout(timeout):
        while True:
            if not {c["id"] for c in await service.ari.channels()} & set(channel_ids):
                return
            await asyncio.sleep(0.05)
