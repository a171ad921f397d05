"""Confidential cases on real calls: the threats' fixtures (agents with SIPp phones, staff
without phones with their tokens, the live feed's address, the mail catcher's Maildir), and a
`desk` holding them with a way to mark a task on a real call."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ccc_telephony.app import Service
from ccc_telephony.confidential.rules import leads_of
from tests.integration.agents.conftest import Api
from tests.integration.support.steps import Callers
from tests.integration.threats.conftest import api, base, maildir, phones, staff, token_of

__all__ = ["api", "base", "maildir", "phones", "staff", "token_of"]
# The case number the test callers key in the IVR.
CASE = "4567890123"
Staff = Callable[..., Awaitable[str]]
TokenOf = Callable[[str], Awaitable[str]]


def details(worker: str) -> dict[str, str]:
    """Everything the worker must be told, for `worker`."""
    return {
        "worker_id": worker,
        "caller_name": "Mai Vang",
        "case_number": CASE,
        "phone": "(608) 555-0123",
        "best_time": "mornings before 11",
    }


async def marked_task(
    api: Api,
    callers: Callers,
    phones: Callable[..., Any],
    token_of: TokenOf,
    agent_id: str,
    extension: str,
    body: dict[str, str],
) -> tuple[dict[str, Any], str]:
    """A task marked on a real call by `agent_id` (their call hung up after); and its call."""
    agent = await phones(agent_id, extension, "ebd")
    call = await callers.with_agent("11" + CASE + "#", agent)
    path = f"/api/v1/agents/{agent_id}/call/confidential"
    status, task = await api.call("POST", path, body, token=await token_of(agent_id))
    assert status == 201, task
    await callers.hang_up(call)
    return task, call.ivr_id


@dataclass(frozen=True)
class Told:
    """A unit's lead and worker (their tokens), and a task told to them on a real call."""

    lead: str
    worker: str
    task: dict[str, Any]
    call_id: str


@dataclass(frozen=True)
class Desk:
    """What a confidential-case test works with, in one place."""

    service: Service
    api: Api
    callers: Callers
    phones: Callable[..., Any]
    staff: Staff
    token_of: TokenOf
    maildir: Path
    base: str

    async def task(
        self, agent_id: str, extension: str, body: dict[str, str]
    ) -> tuple[dict[str, Any], str]:
        return await marked_task(
            self.api, self.callers, self.phones, self.token_of, agent_id, extension, body
        )

    async def told_task(self, n: int, extension: str) -> Told:
        """EBD's lead `clead<n>` and worker `cwork<n>` (with e-mail addresses), and a task of
        the worker's marked by `cagent<n>` (phone `extension`) on a real call."""
        lead = await self.staff(f"clead{n}", "ebd", role="lead", email=f"clead{n}@agency.example")
        worker = await self.staff(f"cwork{n}", "ebd", email=f"cwork{n}@agency.example")
        task, call_id = await self.task(f"cagent{n}", extension, details(f"cwork{n}"))
        return Told(lead, worker, task, call_id)


@pytest.fixture
def desk(
    service: Service,
    api: Api,
    callers: Callers,
    phones: Callable[..., Any],
    staff: Staff,
    token_of: TokenOf,
    maildir: Path,
    base: str,
) -> Desk:
    return Desk(service, api, callers, phones, staff, token_of, maildir, base)


def unit_leads(service: Service, person: str) -> list[str]:
    """Whom a task of `person`'s is told: every lead of their unit now (other tests' leads
    of the same team among them), in the service's own order."""
    roster = service.agents.agents.roster
    return [lead.id for lead in leads_of(roster[person], roster)]
