"""The roster API holds an added or changed agent to the policy file's own rule for its
roster (config/policy.py Policy.roster_problems): what the record names must exist, or it is
refused 422 naming the field, and nothing is stored."""

from __future__ import annotations

from typing import Any

import asyncpg

from ccc_telephony.app import Service
from tests.integration.agents.conftest import Api


def _agent(agent_id: str, extension: str, **extra: Any) -> dict[str, Any]:
    return {"id": agent_id, "name": agent_id.title(), "extension": extension, **extra}


async def test_the_roster_api_refuses_what_the_policy_file_would(
    service: Service, api: Api, db: asyncpg.Connection
) -> None:
    boss = _agent("rboss", "3610", team="ebd", role="supervisor")
    assert (await api.call("POST", "/api/v1/agents", boss))[0] == 201
    assert (await api.call("DELETE", "/api/v1/agents/rboss"))[0] == 200  # left: no supervisor
    refused = [
        (_agent("rnight", "3611", team="ebd", role="lead", hq_shift="night"), "hq_shift"),
        (_agent("rfrench", "3612", team="ebd", languages=["en", "fr"]), "languages"),
        (_agent("rorphan", "3613", team="ebd", supervisor="nobody"), "supervisor"),
        (_agent("rformer", "3614", team="ebd", supervisor="rboss"), "supervisor"),
    ]
    for body, field in refused:
        status, reply = await api.call("POST", "/api/v1/agents", body)
        assert status == 422, reply
        assert (reply["error"], reply["fields"]) == ("invalid agent", [field])
        assert reply["detail"].startswith(f"{field}: ")
        assert await db.fetchval("SELECT count(*) FROM agents WHERE id = $1", body["id"]) == 0

    good = _agent("rgood", "3615", team="family", role="lead", hq_shift="am", languages=["en"])
    assert (await api.call("POST", "/api/v1/agents", good))[0] == 201
    for change, field in (
        ({"hq_shift": "night"}, "hq_shift"),
        ({"languages": ["en", "fr"]}, "languages"),
        ({"supervisor": "rboss"}, "supervisor"),
    ):
        status, reply = await api.call("PUT", "/api/v1/agents/rgood", {**good, **change})
        assert status == 422, reply
        assert reply["fields"] == [field]
    status, reply = await api.call("GET", "/api/v1/agents/rgood")
    assert (status, reply["languages"]) == (200, ["en"])
    stored = await db.fetchrow("SELECT hq_shift, languages FROM agents WHERE id = 'rgood'")
    assert stored is not None and (stored["hq_shift"], stored["languages"]) == ("am", ["en"])
    status, reply = await api.call("POST", "/api/v1/agents/rgood/login")
    assert status == 200 and "family" in reply["queues"], reply
    await service.agents.scheduler.tick()  # every agent's schedule still works
    await api.call("DELETE", "/api/v1/agents/rgood")
