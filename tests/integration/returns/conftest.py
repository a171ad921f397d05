"""Return calls against the real Asterisk: the agents' fixtures (roster, API, SIPp phones) and
the sandbox's carrier, a SIPp UAS at the carrier endpoint's address."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from ccc_telephony.devstack import mail
from ccc_telephony.devstack.stack import Stack
from tests.integration.agents.conftest import api, phones, token_for
from tests.integration.escalations.conftest import staff
from tests.integration.support.ports import free_udp_port
from tests.sipp import Carrier

__all__ = ["api", "phones", "staff", "token_for"]


@pytest.fixture
def maildir(stack: Stack) -> Path:
    return mail.maildir(stack.inst)


@pytest.fixture
async def carrier(stack: Stack, tmp_path: Path) -> AsyncIterator[Callable[..., Any]]:
    """`await carrier(handling=...)`: the outside world answering (or busy, or never
    answering) the next call sent to the carrier trunk; stopped after the test."""
    started: list[Carrier] = []

    async def start(**extra: Any) -> Carrier:
        outside = Carrier(
            asterisk=f"127.0.0.1:{stack.inst.ports.sip}",
            local_port=stack.inst.ports.carrier,
            media_port=free_udp_port(even=True),
            workdir=tmp_path / f"carrier-{len(started)}",
            **extra,
        )
        await outside.__aenter__()
        started.append(outside)
        return outside

    yield start
    for outside in started:
        await outside.__aexit__(None, None, None)
