"""API tokens follow the roster: rights are the agent's role there at each request, leaving it
revokes them, revoking takes effect at once, and every use is attributable to the agent and
the token."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from typing import Any

import asyncpg
import pytest

from ccc_telephony.agents import cli as agents_cli
from ccc_telephony.app import Service
from tests.integration.agents.conftest import Api
from tests.integration.support.clock import ShiftedClock


def _agent(agent_id: str, extension: str, **extra: Any) -> dict[str, Any]:
    return {"id": agent_id, "name": agent_id.title(), "extension": extension, **extra}


async def _token_ids(api: Api, agent_id: str) -> list[int]:
    status, body = await api.call("GET", f"/api/v1/agents/{agent_id}/tokens")
    assert status == 200, body
    return [token["id"] for token in body["tokens"]]


async def test_a_tokens_rights_are_its_agents_role_in_the_roster_now(
    api: Api, db: asyncpg.Connection, token_for: Callable[..., Any], open_hours: ShiftedClock
) -> None:
    lead = _agent("tnou", "3620", team="family", role="lead")
    worker = _agent("tpa", "3621", team="family")
    for body in (lead, worker):
        assert (await api.call("POST", "/api/v1/agents", body))[0] == 201
    nou = await token_for("tnou")
    (token_id,) = await _token_ids(api, "tnou")

    assert (await api.call("POST", "/api/v1/agents/tpa/login", token=nou))[0] == 200
    set_by = await db.fetchval(
        "SELECT set_by FROM agent_states WHERE agent_id = 'tpa' AND ended_at IS NULL"
    )
    assert set_by == f"tnou (token {token_id})"
    last_used = await db.fetchval("SELECT last_used_at FROM api_tokens WHERE id = $1", token_id)
    assert last_used is not None

    assert (await api.call("PUT", "/api/v1/agents/tnou", {**lead, "role": "worker"}))[0] == 200
    assert (await api.call("POST", "/api/v1/agents/tpa/logout", token=nou))[0] == 403
    assert (await api.call("POST", "/api/v1/agents/tnou/login", token=nou))[0] == 200

    on_break = {"state": "not_ready", "reason": "On Break", "override": True}
    status, _ = await api.call("PUT", "/api/v1/agents/tpa/state", on_break, token=nou)
    assert status == 403
    promoted = {**lead, "role": "supervisor"}
    assert (await api.call("PUT", "/api/v1/agents/tnou", promoted))[0] == 200
    status, reply = await api.call("PUT", "/api/v1/agents/tpa/state", on_break, token=nou)
    assert (status, reply["reason"]) == (200, "On Break"), reply
    for agent in ("tpa", "tnou"):
        await api.call("DELETE", f"/api/v1/agents/{agent}")


async def test_a_revoked_token_or_a_leavers_stops_working_at_once(
    api: Api, db: asyncpg.Connection, token_for: Callable[..., Any]
) -> None:
    sia = _agent("tsia", "3630", team="ebd")
    assert (await api.call("POST", "/api/v1/agents", sia))[0] == 201
    first, second = await token_for("tsia"), await token_for("tsia")
    first_id, second_id = await _token_ids(api, "tsia")
    for token in (first, second):  # both answered (and now remembered for a few seconds)
        assert (await api.call("GET", "/api/v1/agents/tsia", token=token))[0] == 200
    assert (await api.call("DELETE", "/api/v1/agents/tsia/tokens", token=second))[0] == 403

    status, reply = await api.call("DELETE", f"/api/v1/agents/tsia/tokens/{first_id}")
    assert (status, reply["revoked"]) == (200, [first_id])
    assert (await api.call("GET", "/api/v1/agents/tsia", token=first))[0] == 401
    assert (await api.call("GET", "/api/v1/agents/tsia", token=second))[0] == 200
    assert (await api.call("DELETE", f"/api/v1/agents/tsia/tokens/{first_id}"))[0] == 404

    assert (await api.call("DELETE", "/api/v1/agents/tsia"))[0] == 200
    assert (await api.call("GET", "/api/v1/agents", token=second))[0] == 401
    rows = await db.fetch(
        "SELECT revoked_at, revoked_by FROM api_tokens WHERE agent_id = 'tsia' ORDER BY id"
    )
    assert [r["revoked_by"] for r in rows] == ["admin", "admin"]
    assert all(r["revoked_at"] is not None for r in rows)

    assert (await api.call("POST", "/api/v1/agents", sia))[0] == 201  # back: old tokens stay dead
    assert (await api.call("GET", "/api/v1/agents", token=second))[0] == 401
    status, reply = await api.call("GET", "/api/v1/agents/tsia/tokens")
    assert [t["id"] for t in reply["tokens"]] == [first_id, second_id]
    assert all(t["revoked_at"] for t in reply["tokens"]) and reply["tokens"][1]["last_used_at"]
    assert (await api.call("GET", "/api/v1/agents", token=await token_for("tsia")))[0] == 200
    await api.call("DELETE", "/api/v1/agents/tsia")


async def test_the_cli_issues_a_token_without_a_role_and_revokes_through_the_service(
    service: Service, api: Api, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (await api.call("POST", "/api/v1/agents", _agent("tmai", "3640", team="ebd")))[0] == 201

    async def cli(*words: str) -> int:
        args = argparse.Namespace(words=list(words), token_id=None)
        return await asyncio.to_thread(agents_cli._token, service.settings, args)

    assert await cli("tmai") == 0
    token = capsys.readouterr().out.strip()
    assert (await api.call("GET", "/api/v1/agents/tmai", token=token))[0] == 200
    assert await cli("revoke", "tmai") == 0
    assert (await api.call("GET", "/api/v1/agents/tmai", token=token))[0] == 401
    assert await cli("nobody") == 1
    assert "not in the roster" in capsys.readouterr().err
    await api.call("DELETE", "/api/v1/agents/tmai")
