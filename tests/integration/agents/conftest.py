"""Agents through the HTTP API as the call center's tools use it, checked against Asterisk's
own view of its queues (its CLI) and the database."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from ccc_telephony.app import Service
from ccc_telephony.devstack import asterisk
from ccc_telephony.devstack.stack import Stack
from ccc_telephony.store import tokens
from tests.integration.support.ports import free_udp_port
from tests.sipp import ANSWER, CallHandling, Credentials, SipPhone


@dataclass
class Api:
    http: aiohttp.ClientSession
    base: str
    token: str

    async def call(
        self, method: str, path: str, body: Any = None, *, token: str | None = None
    ) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token or self.token}"}
        async with self.http.request(method, self.base + path, json=body, headers=headers) as r:
            return r.status, await r.json()


@pytest.fixture
async def api(service: Service, admin_token: str) -> AsyncIterator[Api]:
    async with asyncio.timeout(15):
        await service.agents.loaded.wait()
    async with aiohttp.ClientSession() as http:
        yield Api(http, f"http://127.0.0.1:{service.settings.http_port}", admin_token)


@pytest.fixture
def queue_show(stack: Stack) -> Callable[[str], Any]:
    """Asterisk's own account of a queue (`queue show NAME`), independent of our code."""

    async def show(queue: str) -> str:
        return await asyncio.to_thread(asterisk.cli, stack.root, stack.inst, f"queue show {queue}")

    return show


@pytest.fixture
def token_for(service: Service) -> Callable[..., Any]:
    """`await token_for(agent_id)`: a new API token for an agent in the roster (its rights
    are the agent's role there)."""

    async def issue(agent_id: str) -> str:
        return (await tokens.issue(service.engine, agent_id)).token

    return issue


def member_line(text: str, extension: str) -> str | None:
    """The member's line of `queue show`, without the CLI's colours."""
    plain = re.sub(r"\x1b\[[0-9;]*m", "", text)
    return next((line for line in plain.splitlines() if f"PJSIP/{extension})" in line), None)


@pytest.fixture
async def phones(
    stack: Stack, service: Service, api: Api, tmp_path: Path
) -> AsyncIterator[Callable[..., Awaitable[SipPhone]]]:
    """`await phones(agent_id, extension, team, ...)`: the agent added to the roster (and
    logged in unless `log_in=False`) with a registered SIPp phone (its audio an `RtpParty`'s
    when given its `rtp_port`); all stopped and removed after the test."""
    started: list[SipPhone] = []
    agents: list[str] = []

    async def phone(
        agent_id: str,
        extension: str,
        team: str,
        *,
        handling: CallHandling = ANSWER,
        log_in: bool = True,
        rtp_port: int | None = None,
        **extra: Any,
    ) -> SipPhone:
        body = {"id": agent_id, "name": agent_id.title(), "extension": extension, "team": team}
        status, reply = await api.call("POST", "/api/v1/agents", {**body, **extra})
        assert status == 201, reply
        agents.append(agent_id)
        password = (service.settings.secrets_dir / "agent-phones" / extension).read_text().strip()
        sip_phone = SipPhone(
            registrar=f"127.0.0.1:{stack.inst.ports.sip}",
            credentials=Credentials(extension, password),
            local_port=free_udp_port(),
            media_port=free_udp_port(even=True),
            workdir=tmp_path,
            handling=handling,
            rtp_port=rtp_port,
        )
        await sip_phone.__aenter__()
        started.append(sip_phone)
        if log_in:
            status, reply = await api.call("POST", f"/api/v1/agents/{agent_id}/login")
            assert status == 200 and reply["state"] == "ready", reply
        return sip_phone

    yield phone
    for sip_phone in started:
        await sip_phone.stop()
    for agent_id in agents:
        await api.call("DELETE", f"/api/v1/agents/{agent_id}")
