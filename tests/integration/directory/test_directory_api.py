"""An admin edits the consortium directory through the running service's API: the snapshot the
calls read follows at once, every change is audited, bad input is refused naming the field,
and only the admin may do any of it."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import asyncpg

from ccc_telephony.app import Service
from tests.integration.directory.conftest import API


async def _last_change(db: asyncpg.Connection) -> asyncpg.Record:
    row = await db.fetchrow("SELECT * FROM directory_changes ORDER BY id DESC LIMIT 1")
    assert row is not None
    return row


async def test_an_added_number_is_blocked_at_once_and_audited(
    service: Service, api: API, db: asyncpg.Connection
) -> None:
    assert service.directory.holder.current.owner_of("9205550142") is None
    status, reply = await api(
        "POST",
        "/consortia/bay_lake/numbers",
        json={"number": "+1 (920) 555-0142", "label": "Brown"},
    )
    assert status == 201, reply
    assert {"number": "9205550142", "label": "Brown"} in reply["numbers"]
    owner = service.directory.holder.current.owner_of("9205550142")
    assert owner is not None and owner.id == "bay_lake"
    assert service.directory.holder.current.owner_of("sip:19205550142@pbx;user=phone") == owner

    stored = await db.fetchrow("SELECT * FROM consortium_numbers WHERE number = '9205550142'")
    assert stored is not None and dict(stored) == {
        "number": "9205550142",
        "consortium_id": "bay_lake",
        "label": "Brown",
    }
    change = await _last_change(db)
    assert (change["changed_by"], change["action"], change["subject"]) == (
        "admin",
        "add_number",
        "bay_lake",
    )
    before = json.loads(change["before"])["consortia"]["bay_lake"]
    after = json.loads(change["after"])["consortia"]["bay_lake"]
    assert before["numbers"] == []
    assert after["numbers"] == [{"number": "9205550142", "label": "Brown"}]
    assert change["at"] is not None

    status, reply = await api("DELETE", "/consortia/bay_lake/numbers/920-555-0142")
    assert status == 200, reply
    assert service.directory.holder.current.owner_of("9205550142") is None
    assert (await _last_change(db))["action"] == "remove_number"


async def test_listing_the_consortia_with_their_numbers(api: API) -> None:
    status, reply = await api("GET", "/consortia")
    assert status == 200
    assert reply["home"] == "capital"
    by_id = {c["id"]: c for c in reply["consortia"]}
    assert len(by_id) == 12
    assert by_id["capital"]["home"] is True
    assert by_id["kenosha"] == {
        "id": "kenosha",
        "name": "Kenosha County",
        "phone": "8885550110",
        "counties": ["Kenosha"],
        "numbers": [],
        "home": False,
    }
    status, reply = await api("GET", "/consortia/atlantis")
    assert status == 404 and reply["field"] == "consortium"


async def test_the_allow_list(service: Service, api: API, db: asyncpg.Connection) -> None:
    status, reply = await api("GET", "/allowed")
    assert (status, reply) == (200, {"allowed": []})
    assert not service.directory.holder.current.allows("6085550177")
    status, reply = await api("POST", "/allowed", json={"number": "608.555.0177", "label": "Legal"})
    assert (status, reply) == (201, {"number": "6085550177", "label": "Legal"})
    assert service.directory.holder.current.allows("+16085550177")
    change = await _last_change(db)
    assert (change["action"], change["subject"]) == ("allow", "6085550177")
    assert json.loads(change["before"]) == {"allowed": {"6085550177": None}}
    assert json.loads(change["after"]) == {
        "allowed": {"6085550177": {"number": "6085550177", "label": "Legal"}}
    }
    status, reply = await api("GET", "/allowed")
    assert reply == {"allowed": [{"number": "6085550177", "label": "Legal"}]}
    status, reply = await api("DELETE", "/allowed/%2B16085550177")
    assert (status, reply) == (200, {"removed": "6085550177"})
    assert not service.directory.holder.current.allows("6085550177")


async def test_bad_input_is_refused_naming_the_field_and_changes_nothing(
    service: Service, api: API, db: asyncpg.Connection
) -> None:
    count = await db.fetchval("SELECT count(*) FROM directory_changes")
    snapshot = service.directory.holder.current
    cases: list[tuple[str, str, Any, int, str]] = [
        (
            "POST",
            "/consortia/bay_lake/numbers",
            {"number": "555-0199", "label": "x"},
            400,
            "number",
        ),
        ("POST", "/consortia/bay_lake/numbers", {"number": "*70", "label": "x"}, 400, "number"),
        ("POST", "/consortia/bay_lake/numbers", {"number": "9205550142"}, 400, "label"),
        (
            "POST",
            "/consortia/bay_lake/numbers",
            {"number": "9205550142", "label": ""},
            400,
            "label",
        ),
        (
            "POST",
            "/consortia/bay_lake/numbers",
            {"number": "9205550142", "label": "x", "y": 1},
            400,
            "y",
        ),
        (
            "POST",
            "/consortia/bay_lake/numbers",
            {"number": "888-555-0101", "label": "x"},
            409,
            "number",
        ),
        (
            "POST",
            "/consortia/atlantis/numbers",
            {"number": "9205550142", "label": "x"},
            404,
            "consortium",
        ),
        ("DELETE", "/consortia/bay_lake/numbers/8885550102", None, 409, "number"),
        ("DELETE", "/consortia/bay_lake/numbers/9205550199", None, 404, "number"),
        ("DELETE", "/consortia/bay_lake/numbers/3101", None, 400, "number"),
        ("POST", "/allowed", {"number": "8885550104", "label": "x"}, 409, "number"),
        ("POST", "/allowed", {"number": "tel:+44-20-7946-0000", "label": "x"}, 400, "number"),
        ("DELETE", "/allowed/6085550177", None, 404, "number"),
        ("PATCH", "/consortia/bay_lake", {}, 400, "give at least one"),
        ("PATCH", "/consortia/bay_lake", {"name": "Capital Consortium"}, 409, "name"),
        ("PATCH", "/consortia/bay_lake", {"phone": "8885550111"}, 409, "phone"),
        ("PATCH", "/consortia/bay_lake", {"counties": ["Brown"]}, 409, "counties"),
        ("PATCH", "/consortia/bay_lake", {"counties": ["Brown", "Oz"]}, 400, "counties"),
        ("PATCH", "/consortia/bay_lake", {"name": "Bay\u0007Lake"}, 400, "name"),
        ("DELETE", "/consortia/capital", None, 409, "id"),
        ("DELETE", "/consortia/bay_lake", None, 409, "counties"),
        (
            "POST",
            "/consortia",
            {"id": "Bad Id", "name": "X Y", "phone": "8885550120", "counties": []},
            400,
            "id",
        ),
        (
            "POST",
            "/consortia",
            {"id": "racine", "name": "X Y", "phone": "8885550120", "counties": []},
            409,
            "id",
        ),
    ]
    for method, path, body, status, field in cases:
        got, reply = await api(method, path, json=body)
        assert got == status, (method, path, body, reply)
        assert field in reply["detail"], (method, path, body, reply)
        if "field" in reply:
            assert reply["field"] == field, reply
    async with aiohttp.ClientSession() as session:
        url = f"http://127.0.0.1:{service.settings.http_port}/api/v1/directory/allowed"
        headers = {
            "Authorization": f"Bearer {service.settings.secret('admin-token').get_secret_value()}"
        }
        async with session.post(url, data=b"\xff{", headers=headers) as reply:
            assert reply.status == 400
    assert await db.fetchval("SELECT count(*) FROM directory_changes") == count
    assert service.directory.holder.current == snapshot


async def test_only_the_admin_may_read_or_change_the_directory(
    service: Service, api: API, supervisor_token: str
) -> None:
    staff = {"Authorization": f"Bearer {supervisor_token}"}
    for method, path, body in (
        ("GET", "/consortia", None),
        ("GET", "/allowed", None),
        ("POST", "/consortia/bay_lake/numbers", {"number": "9205550142", "label": "x"}),
        ("POST", "/allowed", {"number": "6085550177", "label": "x"}),
        ("DELETE", "/consortia/bay_lake/numbers/8885550102", None),
    ):
        status, reply = await api(method, path, json=body, headers=staff)
        assert status == 403, (method, path, reply)
    assert service.directory.holder.current.owner_of("9205550142") is None
    assert not service.directory.holder.current.allows("6085550177")
    status, _ = await api("GET", "/consortia", headers={"Authorization": "Bearer nope-" + "x" * 20})
    assert status == 401


async def test_hostile_paths_and_bodies_get_a_clear_4xx(
    service: Service, api: API, db: asyncpg.Connection
) -> None:
    count = await db.fetchval("SELECT count(*) FROM directory_changes")
    long_label = {"number": "9205550142", "label": "x" * 81}
    many_counties = {"counties": [f"County {n}" for n in range(2000)]}
    for method, path, body, status in (
        ("GET", "/consortia/%00", None, 404),
        ("DELETE", "/consortia/bay%00lake", None, 404),
        ("PATCH", "/consortia/bay%00lake", {"name": "Bay Lake"}, 404),
        ("POST", "/consortia/%F0%9F%92%A9/numbers", {"number": "9205550142", "label": "x"}, 404),
        ("DELETE", "/consortia/bay_lake/numbers/" + "9" * 5000, None, 400),
        ("DELETE", "/consortia/bay_lake/numbers/608%00555%000199", None, 400),
        ("DELETE", "/allowed/%2525252525252B16085550177", None, 400),
        ("POST", "/consortia/bay_lake/numbers", long_label, 400),
        ("POST", "/consortia/bay_lake/numbers", {"number": ["9205550142"], "label": "x"}, 400),
        ("POST", "/consortia/bay_lake/numbers", {"number": 9205550142, "label": "x"}, 400),
        ("POST", "/consortia/bay_lake/numbers", [1, 2], 400),
        ("PATCH", "/consortia/bay_lake", many_counties, 400),
    ):
        got, reply = await api(method, path, json=body)
        assert got == status, (method, path[:60], reply)
        assert reply["error"] in ("not found", "bad request")
    assert await db.fetchval("SELECT count(*) FROM directory_changes") == count
