"""Who sees what, over the real HTTP API: any member of staff finds a case's signatures (and
the listing is audited with the signatures it showed); the audio goes only to the agent who
took it, leads, supervisors and the admin, and every download, a refused one too, is
audited; the record shows the exact words of the script the caller heard."""

from __future__ import annotations

import secrets

import aiohttp
import asyncpg

from ccc_telephony.app import Service
from tests.integration.agents.conftest import Api
from tests.integration.signatures.conftest import Signed, Staff, case_number


def _unique(name: str) -> str:
    return f"{name}-{secrets.token_hex(3)}"


async def _download(api: Api, path: str, token: str) -> tuple[int, bytes]:
    headers = {"Authorization": f"Bearer {token}"}
    async with api.http.get(api.base + path, headers=headers) as reply:
        return reply.status, await reply.read()


async def _audits(db: asyncpg.Connection, signature_id: object) -> list[asyncpg.Record]:
    return await db.fetch(
        "SELECT who, role, action, part, allowed FROM signature_access"
        " WHERE $1 = ANY(signature_ids) ORDER BY id",
        signature_id,
    )


async def test_a_listing_by_case_is_audited_with_what_it_showed(
    api: Api, staff: Staff, signed: Signed, db: asyncpg.Connection
) -> None:
    maria, tomas = _unique("maria"), _unique("tomas")
    await staff(maria, "family")
    tomas_token = await staff(tomas, "family")
    case = case_number()
    first, second = await signed(maria, case=case), await signed(maria, case=case, complete=False)

    status, body = await api.call("GET", f"/api/v1/signatures?case={case}", token=tomas_token)

    assert status == 200, body
    assert [row["id"] for row in body["signatures"]] == [str(first.id), str(second.id)]
    assert {row["status"] for row in body["signatures"]} == {"recorded", "incomplete"}
    audit = await db.fetchrow(
        "SELECT who, action, subject, signature_ids, allowed FROM signature_access"
        " WHERE subject = $1",
        f"case:{case}",
    )
    assert audit["who"].startswith(f"{tomas} (token ")
    assert (audit["action"], audit["allowed"]) == ("list", True)
    assert set(audit["signature_ids"]) == {first.id, second.id}
    status, body = await api.call("GET", f"/api/v1/signatures?call={first.call_id}")
    assert status == 200 and [row["id"] for row in body["signatures"]] == [str(first.id)]


async def test_the_record_shows_the_words_of_its_script(
    api: Api, staff: Staff, signed: Signed, service: Service
) -> None:
    maria = _unique("maria")
    token = await staff(maria, "family")
    row = await signed(maria)
    status, body = await api.call("GET", f"/api/v1/signatures/{row.id}", token=token)
    assert status == 200, body
    assert body["script"]["id"] == "attestation_health_care"
    texts = [part["text"] for part in body["script"]["parts"]]
    policy_texts = service.policy.prompts
    assert texts == [
        policy_texts["attestation_health_care"]["es"],
        policy_texts["attestation_agree"]["es"],
    ]
    assert "ssn" not in str(body).replace("ssn_last4", "")


async def test_an_unauthorised_download_is_refused_and_audited_and_an_authorised_one_audited(
    api: Api, staff: Staff, signed: Signed, service: Service, db: asyncpg.Connection
) -> None:
    maria, tomas, lena = _unique("maria"), _unique("tomas"), _unique("lena")
    maria_token = await staff(maria, "family")
    tomas_token = await staff(tomas, "family")
    lena_token = await staff(lena, "family", role="lead")
    row = await signed(maria)
    path = f"/api/v1/signatures/{row.id}/audio"
    kept = service.signatures.service.vault.path(row.caller_file).read_bytes()

    assert (await _download(api, f"{path}?part=caller", tomas_token))[0] == 403
    status, audio = await _download(api, f"{path}?part=caller", maria_token)
    assert status == 200 and audio == kept and audio.startswith(b"RIFF")
    status, audio = await _download(api, f"{path}?part=both", lena_token)
    assert status == 200 and audio != kept
    assert (await _download(api, f"{path}?part=both", api.token))[0] == 200

    audits = [tuple(a) for a in await _audits(db, row.id)]
    assert audits[0][1:] == ("agent", "download", "caller", False)
    assert audits[0][0].startswith(f"{tomas} (token ")
    assert audits[1][1:] == ("agent", "download", "caller", True)
    assert audits[1][0].startswith(f"{maria} (token ")
    assert audits[2][1:] == ("lead", "download", "both", True)
    assert audits[3] == ("admin", "admin", "download", "both", True)


async def test_bad_requests_get_a_4xx(api: Api, signed: Signed, db: asyncpg.Connection) -> None:
    row = await signed("maria")
    for path, expected in (
        ("/api/v1/signatures", 400),
        ("/api/v1/signatures?case=1&call=x", 400),
        ("/api/v1/signatures?case=12%2034", 400),
        ("/api/v1/signatures?case=123456789", 400),  # an SSN is never a case number
        ("/api/v1/signatures/not-a-uuid", 404),
        (f"/api/v1/signatures/{row.id}/audio?part=agent", 400),
        ("/api/v1/signatures/00000000-0000-0000-0000-000000000000/audio", 404),
    ):
        async with api.http.get(
            api.base + path, headers={"Authorization": f"Bearer {api.token}"}
        ) as reply:
            assert reply.status == expected, (path, await reply.text())
    assert not await db.fetchval(
        "SELECT count(*) FROM signature_access WHERE subject LIKE '%123456789%'"
    )


async def test_no_token_no_signatures(api: Api) -> None:
    async with aiohttp.ClientSession() as http, http.get(api.base + "/api/v1/signatures") as r:
        assert r.status == 401
