"""An HTTP client for the running service's API, with and without the admin token."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from ccc_telephony.app import Service


@pytest.fixture
async def http(service: Service) -> AsyncIterator[tuple[aiohttp.ClientSession, str]]:
    async with aiohttp.ClientSession() as session:
        yield session, f"http://127.0.0.1:{service.settings.http_port}"


@pytest.fixture
def auth(admin_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {admin_token}"}
