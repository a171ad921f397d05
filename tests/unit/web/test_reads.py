"""A read of call data that cannot be recorded is refused (503), never answered unaudited."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp import web

from ccc_telephony.web.auth import ADMIN
from ccc_telephony.web.reads import CallDataReads


class DatabaseDown:
    def begin(self) -> AbstractAsyncContextManager[Any]:
        raise ConnectionRefusedError("the database is not answering")


async def test_a_read_the_audit_cannot_take_is_refused() -> None:
    reads = CallDataReads(engine=DatabaseDown(), clock=lambda: datetime.now(UTC))  # type: ignore[arg-type]
    with pytest.raises(web.HTTPServiceUnavailable) as refused:
        await reads.record(ADMIN, "calls", {"limit": 5})
    assert "cannot record this read of call data" in str(refused.value.text)
