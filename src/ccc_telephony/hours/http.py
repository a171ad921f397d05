"""HTTP routes: the hours as callers get them now, and the admin's override."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from aiohttp import web
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator
from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.hours.service import HoursService
from ccc_telephony.store import overrides as overrides_store
from ccc_telephony.web.auth import user_of
from ccc_telephony.web.validation import bad_request, parse_body

# An override is for a snow day or an emergency; a longer change belongs in the policy's hours.
LONGEST_OVERRIDE = timedelta(days=14)


class OverrideRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state: Literal["open", "closed"]
    until: AwareDatetime | None = None
    minutes: int | None = Field(default=None, ge=1, le=LONGEST_OVERRIDE // timedelta(minutes=1))
    reason: str = Field(min_length=1, max_length=200)

    @model_validator(mode="after")
    def _one_end(self) -> OverrideRequest:
        if (self.until is None) == (self.minutes is None):
            raise ValueError("give exactly one of 'until' (with a time zone) or 'minutes'")
        return self

    def end(self, now: datetime) -> datetime:
        return self.until if self.until is not None else now + timedelta(minutes=self.minutes or 0)


def routes(hours: HoursService, engine: AsyncEngine) -> web.RouteTableDef:
    table = web.RouteTableDef()

    @table.get("/api/v1/hours")
    async def current(_: web.Request) -> web.Response:
        status = hours.status()
        override = status.override or hours.override
        return web.json_response(
            {
                "open": status.open,
                "reason": status.reason.value,
                "holiday": status.holiday,
                "override": None
                if override is None
                else {
                    "open": override.open,
                    "until": override.until.isoformat(),
                    "reason": override.reason,
                    "set_by": override.set_by,
                },
            }
        )

    @table.post("/api/v1/hours/override")
    async def set_override(request: web.Request) -> web.Response:
        body = await parse_body(request, OverrideRequest)
        now = hours.clock()
        until = body.end(now)
        if until <= now:
            raise bad_request("until: must be in the future")
        if until > now + LONGEST_OVERRIDE:
            raise bad_request(f"until: at most {LONGEST_OVERRIDE.days} days ahead")
        override_id = await overrides_store.set_override(
            engine,
            open=body.state == "open",
            until=until,
            reason=body.reason,
            set_by=user_of(request),
        )
        await hours.refresh()
        return web.json_response(
            {"id": override_id, "open": body.state == "open", "until": until.isoformat()},
            status=201,
        )

    @table.delete("/api/v1/hours/override")
    async def clear_override(request: web.Request) -> web.Response:
        cleared = await overrides_store.clear_override(
            engine, cleared_by=user_of(request), now=hours.clock()
        )
        await hours.refresh()
        return web.json_response({"cleared": cleared})

    return table
