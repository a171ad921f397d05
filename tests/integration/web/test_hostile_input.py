"""Bad and hostile requests through the real HTTP API: each gets a small, clear 4xx quickly,
never a 500 and never minutes of work on the event loop that every call shares."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import aiohttp
import pytest

from ccc_telephony.app import Service

OVERRIDE = "/api/v1/hours/override"
Http = tuple[aiohttp.ClientSession, str]


@pytest.fixture
async def no_override(http: Http, auth: dict[str, str]) -> AsyncIterator[None]:
    """Should a bad override get through, it is cleared, so later tests see the real hours."""
    yield
    session, base = http
    async with session.delete(f"{base}{OVERRIDE}", headers=auth) as reply:
        assert reply.status == 200


@pytest.fixture
async def agent_id(service: Service, http: Http, auth: dict[str, str]) -> AsyncIterator[str]:
    """An agent in the roster, so that their history can be asked for; removed after."""
    session, base = http
    async with asyncio.timeout(15):
        await service.agents.loaded.wait()
    body = {"id": "hostile.probe", "name": "Hostile Probe", "extension": "3990", "team": "ebd"}
    async with session.post(f"{base}/api/v1/agents", json=body, headers=auth) as reply:
        assert reply.status == 201, await reply.text()
    yield body["id"]
    async with session.delete(f"{base}/api/v1/agents/{body['id']}", headers=auth) as reply:
        assert reply.status == 200


async def _send(
    http: Http,
    auth: dict[str, str],
    method: str,
    path: str,
    data: bytes | None = None,
    **headers: str,
) -> tuple[int, dict[str, Any], int]:
    """(status, the JSON reply, its size in bytes)."""
    session, base = http
    async with session.request(
        method,
        f"{base}{path}",
        data=None if data is None else io.BytesIO(data),
        headers={**auth, **headers},
    ) as reply:
        raw = await reply.read()
        assert reply.content_type == "application/json", raw[:200]
        return reply.status, json.loads(raw), len(raw)


def _override(**fields: Any) -> bytes:
    return json.dumps({"state": "closed", "reason": "snow day", **fields}).encode()


async def test_a_body_over_64_kb_is_refused_unread(
    http: Http, auth: dict[str, str], no_override: None
) -> None:
    # A megabyte of unknown keys: before, every key was validated and named in the reply.
    body = json.dumps({f"key{i}": 0 for i in range(100_000)}).encode()
    assert len(body) > 1_000_000
    status, reply, size = await _send(http, auth, "POST", OVERRIDE, body)
    assert status == 413
    assert reply == {"error": "payload too large", "detail": "the body is over 64 KB"}
    assert size < 500


async def test_a_chunked_body_is_cut_off_at_64_kb(
    http: Http, auth: dict[str, str], no_override: None
) -> None:
    """No Content-Length to refuse up front: the limit holds while the body is read."""

    async def pieces() -> AsyncIterator[bytes]:
        yield b'{"state": "closed", "reason": "'
        for _ in range(100):
            yield b"x" * 1024
        yield b'"}'

    session, base = http
    async with session.post(f"{base}{OVERRIDE}", data=pieces(), headers=auth) as reply:
        assert reply.status == 413
        assert (
            reply.headers.get("Content-Length") is None or "Transfer-Encoding" not in reply.headers
        )
        assert (await reply.json())["detail"] == "the body is over 64 KB"


async def test_only_the_first_few_problems_are_reported(
    http: Http, auth: dict[str, str], no_override: None
) -> None:
    body = json.dumps({f"k{i}": 0 for i in range(4000)}).encode()
    assert len(body) < 64 * 1024
    status, reply, size = await _send(http, auth, "POST", OVERRIDE, body)
    assert status == 400
    assert reply["detail"] == (
        "state: Field required; reason: Field required; k0: Extra inputs are not permitted;"
        " k1: Extra inputs are not permitted; k2: Extra inputs are not permitted;"
        " and 3997 more problems"
    )
    assert size < 1000


@pytest.mark.parametrize(
    ("body", "headers", "words"),
    [
        (_override(minutes=10), {"Content-Type": "application/json; charset=no-such"}, "UTF-8"),
        (_override(minutes=10), {"Content-Type": "application/json; charset=latin-1"}, "UTF-8"),
        (b'{"state": "closed", "reason": "\xff\xfe"}', {}, "not valid UTF-8"),
        (b"[" * 10_000 + b"]" * 10_000, {}, "nested too deeply"),
        (b'{"state": "closed", "minutes": ' + b"9" * 5000 + b', "reason": "x"}', {}, "number"),
        (_override(minutes=10, reason="snow\u0000day"), {}, "NUL"),
        (b"{not json", {}, "the body must be JSON"),
    ],
    ids=["unknown-charset", "other-charset", "bad-utf8", "deep", "huge-number", "nul", "not-json"],
)
async def test_a_malformed_body_gets_a_clear_400(
    http: Http,
    auth: dict[str, str],
    no_override: None,
    body: bytes,
    headers: dict[str, str],
    words: str,
) -> None:
    status, reply, _ = await _send(http, auth, "POST", OVERRIDE, body, **headers)
    assert status == 400, reply
    assert words in reply["detail"]


@pytest.mark.parametrize(
    "until",
    ["9999-12-31T23:59:59-05:00", "9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00+05:00"],
    ids=["year-9999-behind-utc", "year-9999-utc", "year-1"],
)
async def test_an_override_until_an_impossible_time_is_refused(
    http: Http, auth: dict[str, str], no_override: None, until: str
) -> None:
    status, reply, _ = await _send(http, auth, "POST", OVERRIDE, _override(until=until))
    assert status == 400, reply
    assert "until" in reply["detail"]


@pytest.mark.parametrize(
    "day", [date.max.isoformat(), date.min.isoformat(), "2020-13-01", "today", "2020-01-01junk"]
)
async def test_history_of_an_impossible_day_is_refused(
    http: Http, auth: dict[str, str], agent_id: str, day: str
) -> None:
    path = f"/api/v1/agents/{agent_id}/history?date={day}"
    status, reply, _ = await _send(http, auth, "GET", path)
    assert status == 400, reply
    assert "date" in reply["detail"]


@pytest.mark.parametrize("limit", ["0", "501", "-1", "ten", "9" * 5000])
async def test_a_call_list_limit_out_of_range_is_refused(
    http: Http, auth: dict[str, str], limit: str
) -> None:
    status, reply, _ = await _send(http, auth, "GET", f"/api/v1/calls?limit={limit}")
    assert status == 400, reply
    assert "limit: a whole number from 1 to 500" in reply["detail"]


@pytest.mark.parametrize("call_id", ["a%00b", "%ff%fe", "x" * 65, "%F0%9F%93%9E"])
async def test_a_call_id_that_cannot_be_is_not_found(
    http: Http, auth: dict[str, str], call_id: str
) -> None:
    status, reply, _ = await _send(http, auth, "GET", f"/api/v1/calls/{call_id}")
    assert status == 404, reply
