"""Every read of call data by a person through the API is recorded before it is answered.

Call data is what a caller told or showed us (their number, case number, SSN's last four) and
what happened on their call. A route that shows it calls `read_of_call_data` first: the read is
written to `call_data_reads` (store.data_reads) and only then answered, so if the record
cannot be written the read is refused (503, retry) and no read goes unaudited. The scope is
what was asked (a call, a queue, a filter), from values the route has already checked; never
the data shown, never a raw query string (a person may type an SSN into one).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import structlog
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.store.data_reads import record_read
from ccc_telephony.web.auth import Principal, principal_of
from ccc_telephony.web.validation import json_error

log = structlog.get_logger(__name__)


class ReadLog(Protocol):
    async def record(self, principal: Principal, what: str, scope: Mapping[str, Any]) -> None:
        """Write one read, or raise an HTTP error (the read is refused)."""


@dataclass(frozen=True, slots=True)
class CallDataReads:
    """The audit log in PostgreSQL."""

    engine: AsyncEngine
    clock: Callable[[], datetime]

    async def record(self, principal: Principal, what: str, scope: Mapping[str, Any]) -> None:
        try:
            await record_read(
                self.engine,
                who=principal.who,
                role=principal.role,
                what=what,
                at=self.clock(),
                scope=scope,
            )
        except Exception as exc:
            log.warning("cannot record a read of call data: refused", what=what, error=repr(exc))
            raise json_error(
                web.HTTPServiceUnavailable, "cannot record this read of call data now; retry"
            ) from None


READS = web.AppKey[ReadLog]("call_data_reads")


async def read_of_call_data(request: web.Request, what: str, **scope: Any) -> None:
    """Record that the requester reads call data: `what` (e.g. "calls", "screen_pop") and what
    they asked for. Raises 503 when it cannot be recorded: the route then answers nothing."""
    await request.app[READS].record(principal_of(request), what, scope)
