"""Threats on real calls: the agents' fixtures (roster, API, SIPp phones), staff without
phones (supervisors, leads) with their tokens, the live feed and the mail catcher."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from ccc_telephony.app import Service
from ccc_telephony.devstack import mail
from ccc_telephony.devstack.stack import Stack
from ccc_telephony.store import tokens
from tests.integration.agents.conftest import Api, api, phones

__all__ = ["api", "phones"]

# Extensions no other test folder uses.
_EXTENSIONS = itertools.count(4901)

Staff = Callable[..., Awaitable[str]]


@pytest.fixture
async def staff(service: Service, api: Api) -> AsyncIterator[Staff]:
    """`await staff(agent_id, team, role=..., email=...)`: on the roster, without a phone; an
    API token for them is returned."""
    added: list[str] = []

    async def add(agent_id: str, team: str, *, role: str = "worker", **extra: object) -> str:
        body = {
            "id": agent_id,
            "name": agent_id.title(),
            "extension": str(next(_EXTENSIONS)),
            "team": team,
            "role": role,
            **extra,
        }
        status, reply = await api.call("POST", "/api/v1/agents", body)
        assert status == 201, reply
        added.append(agent_id)
        return (await tokens.issue(service.engine, agent_id)).token

    yield add
    for agent_id in reversed(added):
        await api.call("DELETE", f"/api/v1/agents/{agent_id}")


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
