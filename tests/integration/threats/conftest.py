"""Threats on real calls: the agents' fixtures (roster, API, SIPp phones), the escalations'
staff without phones (supervisors, leads) with their tokens, the live feed's address and the
mail catcher's Maildir."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from ccc_telephony.app import Service
from ccc_telephony.devstack import mail
from ccc_telephony.devstack.stack import Stack
from ccc_telephony.store import tokens
from tests.integration.agents.conftest import api, phones
from tests.integration.escalations.conftest import staff

__all__ = ["api", "phones", "staff"]


@pytest.fixture
def token_of(service: Service) -> Callable[[str], Awaitable[str]]:
    async def issue(agent_id: str) -> str:
        return (await tokens.issue(service.engine, agent_id)).token

    return issue


@pytest.fixture
def maildir(stack: Stack) -> Path:
    return mail.maildir(stack.inst)


@pytest.fixture
def base(service: Service) -> str:
    return f"http://127.0.0.1:{service.settings.http_port}"
