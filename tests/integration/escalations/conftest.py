"""Staff for the escalation tests: agents added to the roster through the admin API, each with
an API token of their role; removed after the test."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from ccc_telephony.app import Service
from ccc_telephony.store import tokens
from tests.integration.agents.conftest import Api, api

__all__ = ["api"]

# Extensions no other test file uses, one per agent added in the session.
_EXTENSIONS = itertools.count(4701)

Staff = Callable[..., Awaitable[str]]


@pytest.fixture
async def staff(service: Service, api: Api) -> AsyncIterator[Staff]:
    """`await staff(agent_id, team, role=..., supervisor=..., email=...)`: the agent on the
    roster (no phone), and an API token for them (whose rights are their role's)."""
    added: list[str] = []

    async def add(
        agent_id: str,
        team: str,
        *,
        role: str = "worker",
        supervisor: str | None = None,
        email: str | None = None,
    ) -> str:
        body = {
            "id": agent_id,
            "name": agent_id.title(),
            "extension": str(next(_EXTENSIONS)),
            "team": team,
            "role": role,
            "supervisor": supervisor,
            "email": email,
        }
        status, reply = await api.call("POST", "/api/v1/agents", body)
        assert status == 201, reply
        added.append(agent_id)
        return (await tokens.issue(service.engine, agent_id)).token

    yield add
    for agent_id in reversed(added):
        await api.call("DELETE", f"/api/v1/agents/{agent_id}")
