"""A background job fails for real and the service says so: the agents' start job cannot write
the phones' endpoints (an OSError: the file's place is taken by a folder), /readyz names the
job (503) and the log says so at once; once the fault is gone the job runs again by itself and
the service is ready."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from ccc_telephony.agents.phones import FILE_NAME
from tests.integration.support.readiness import wait_readiness
from tests.integration.support.service import ServiceRunner


@pytest.fixture
def endpoints_file_blocked(service_runner: ServiceRunner) -> Iterator[Path]:
    """A folder where the agents' endpoints file goes, so writing it fails; removed after."""
    config_dir = service_runner.settings.asterisk_config_dir
    assert config_dir is not None
    path = config_dir / FILE_NAME
    saved = path.read_bytes() if path.is_file() else None
    path.unlink(missing_ok=True)
    path.mkdir()
    try:
        yield path
    finally:
        if path.is_dir():
            path.rmdir()
        if saved is not None and not path.exists():
            path.write_bytes(saved)


def _errors_logged(log_file: Path, job: str) -> list[dict[str, object]]:
    lines = (json.loads(line) for line in log_file.read_text().splitlines() if line.strip())
    return [line for line in lines if line.get("job") == job and line.get("level") == "error"]


async def test_a_failing_job_is_reported_by_readyz_and_recovers(
    service_runner: ServiceRunner, endpoints_file_blocked: Path, service_log: Path
) -> None:
    await service_runner.stop()
    service = await service_runner.start()
    port = service.settings.http_port

    status, body = await wait_readiness(port, lambda answer: bool(answer[1]["failing_jobs"]))
    assert status == 503 and body["ready"] is False
    assert body["checks"] == {"ari": True, "ami": True, "database": True}
    assert body["failing_jobs"] == ["agents-start"]
    job = body["jobs"]["agents-start"]
    assert job["state"] == "failing" and job["last_error"] == "IsADirectoryError"
    assert job["failing_since"] is not None
    assert body["jobs"]["ari-events"]["state"] == "running"
    assert service.agents.loaded.is_set() and not service.agents.reconciled.is_set()
    assert _errors_logged(service_log, "agents-start")  # logged when it happened

    await asyncio.to_thread(endpoints_file_blocked.rmdir)
    status, body = await wait_readiness(port, lambda answer: answer[0] == 200)
    assert body["failing_jobs"] == []
    job = body["jobs"]["agents-start"]
    assert job["state"] == "done" and job["restarts"] >= 1 and job["failing_since"] is None
    assert body["jobs"]["agents-schedule"]["state"] == "running"
    assert await asyncio.to_thread(endpoints_file_blocked.is_file)  # the job's next run
    await service.agents.reconciled.wait()
