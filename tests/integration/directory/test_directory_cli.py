"""`ccc-telephony directory ...` from a terminal, against the running service: each verb reaches
the service's snapshot at once and a refusal is one line naming the field, exit status 1."""

from __future__ import annotations

import asyncio
import os
import sys

import asyncpg

from ccc_telephony.app import Service
from ccc_telephony.devstack.stack import Stack


async def _cli(stack: Stack, service: Service, *args: str) -> tuple[int, str, str]:
    env = {**os.environ, **stack.env, "CCC_HTTP_PORT": str(service.settings.http_port)}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "ccc_telephony",
        "directory",
        *args,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(30):
        out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_numbers_of_a_consortium_from_the_cli(
    stack: Stack, service: Service, db: asyncpg.Connection
) -> None:
    code, out, err = await _cli(
        stack, service, "add-number", "bay_lake", "920 555 0142", "--label", "Brown agency"
    )
    assert code == 0, err
    owner = service.directory.holder.current.owner_of("9205550142")
    assert owner is not None and owner.id == "bay_lake"
    assert await db.fetchval(
        "SELECT count(*) FROM directory_changes WHERE action = 'add_number'"
        " AND after::text LIKE '%9205550142%'"
    )

    code, out, err = await _cli(stack, service, "numbers", "bay_lake")
    assert code == 0, err
    assert out.splitlines() == [
        "8885550102  main number of Bay Lake Consortium",
        "9205550142  Brown agency",
    ]
    code, out, err = await _cli(stack, service, "list")
    assert code == 0, err
    assert "bay_lake         8885550102  +1 numbers  Bay Lake Consortium" in out
    assert "capital          8885550101  +0 numbers  Capital Consortium (home)" in out

    code, out, err = await _cli(stack, service, "remove-number", "bay_lake", "+1-920-555-0142")
    assert code == 0, err
    assert service.directory.holder.current.owner_of("9205550142") is None


async def test_the_allow_list_from_the_cli(stack: Stack, service: Service) -> None:
    code, out, _ = await _cli(stack, service, "allowed")
    assert (code, out) == (0, "(none: every outside number is denied)\n")
    code, _, err = await _cli(stack, service, "allow", "(608) 555-0177", "--label", "Legal aid")
    assert code == 0, err
    assert service.directory.holder.current.allows("6085550177")
    code, out, _ = await _cli(stack, service, "allowed")
    assert (code, out) == (0, "6085550177  Legal aid\n")
    code, _, err = await _cli(stack, service, "disallow", "6085550177")
    assert code == 0, err
    assert not service.directory.holder.current.allows("6085550177")


async def test_a_refusal_names_the_field(stack: Stack, service: Service) -> None:
    code, out, err = await _cli(stack, service, "allow", "888-555-0104", "--label", "x")
    assert code == 1 and out == ""
    assert err.startswith("error (409): number: 8885550104 belongs to East Central Consortium")
    code, _, err = await _cli(stack, service, "add-number", "bay_lake", "555-0142", "--label", "x")
    assert code == 1
    assert err.startswith("error (400): number: Value error, not a North American phone number")
    code, _, err = await _cli(stack, service, "remove-number", "atlantis", "9205550142")
    assert code == 1 and err.startswith("error (404): consortium: no consortium with id 'atlantis'")
    assert not service.directory.holder.current.allows("8885550104")
