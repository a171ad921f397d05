"""The README's admin commands against a running sandbox, run as an admin runs them: a separate
process, no CCC_* variables, from any folder. `--instance` finds the test instance's service
(its API port and admin token), and an agent who never logged in reads as such."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ccc_telephony.app import Service
from ccc_telephony.devstack.stack import Stack
from tests.integration.agents.conftest import Api

AGENT = "cli-maria"


async def _cli(stack: Stack, cwd: Path, *args: str) -> tuple[int, str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("CCC_") and name != "DATABASE_URL"
    }
    if "CCC_RUN_ROOT" in os.environ:  # where the fixtures put the sandbox's run folders
        env["CCC_RUN_ROOT"] = os.environ["CCC_RUN_ROOT"]
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "ccc_telephony",
        *args,
        "--instance",
        stack.inst.name,
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(60):
        out, err = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


@pytest.fixture
async def removed_after(api: Api) -> AsyncIterator[str]:
    yield AGENT
    await api.call("DELETE", f"/api/v1/agents/{AGENT}")


async def test_agents_add_and_list_reach_the_instance_service(
    stack: Stack, service: Service, removed_after: str, tmp_path: Path
) -> None:
    code, out, err = await _cli(
        stack,
        tmp_path,
        "agents",
        "add",
        AGENT,
        "--name",
        "Maria Lopez",
        "--extension",
        "3971",
        "--team",
        "family",
        "--languages",
        "en,es",
    )
    assert code == 0, err
    assert '"id": "cli-maria"' in out
    assert service.agents.agents.roster[AGENT].languages == ["en", "es"]

    code, out, err = await _cli(stack, tmp_path, "agents", "list")
    assert code == 0, err
    line = next(line for line in out.splitlines() if line.startswith(AGENT))
    assert line.split()[1:4] == ["3971", "family", "worker"]
    assert line.endswith("never logged in")


async def test_prompts_list_reads_the_instance_folders(stack: Stack, tmp_path: Path) -> None:
    code, out, err = await _cli(stack, tmp_path, "prompts", "list")
    assert code == 0, err
    rows = [line.split() for line in out.splitlines()]
    assert ["1", "greeting", "en", "generated"] in rows
