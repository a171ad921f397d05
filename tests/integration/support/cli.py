"""The CLI as an admin runs it against the test instance: a separate process with the
sandbox's environment (its API port and admin token)."""

from __future__ import annotations

import asyncio
import os
import sys

from ccc_telephony.devstack.stack import Stack


async def run_cli(stack: Stack, *args: str, timeout: float = 60) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of `ccc-telephony ARGS...`."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "ccc_telephony",
        *args,
        env={**os.environ, **stack.env},
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(timeout):
        out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()
