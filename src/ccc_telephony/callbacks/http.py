"""HTTP routes for queue callbacks: the list (still owed by default), one callback, and
cancelling one not yet dialled. The list holds callers' numbers: leads, supervisors and the
admin see it; a worker gets 403."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from ccc_telephony.callbacks.service import CallbackService, NotCancellable, UnknownCallback
from ccc_telephony.store.queue_callbacks import OPEN_STATES, CallbackRow
from ccc_telephony.web.auth import Principal, forbidden, principal_of
from ccc_telephony.web.reads import read_of_call_data
from ccc_telephony.web.validation import bad_request

STATES = ("waiting", "queued", "dialling", "connected", "failed", "cancelled")
_ID_MAX = 2**62


def routes(callbacks: CallbackService, queues: frozenset[str]) -> web.RouteTableDef:
    table = web.RouteTableDef()

    @table.get("/api/v1/callbacks")
    async def list_callbacks(request: web.Request) -> web.Response:
        _may_see(principal_of(request))
        states, queue = _states(request.query.get("state")), _queue(request, queues)
        await read_of_call_data(request, "callbacks", states=list(states), queue=queue)
        rows = await callbacks.list(states=states, queue=queue)
        return web.json_response({"callbacks": [brief(row) for row in rows]})

    @table.get("/api/v1/callbacks/{id}")
    async def one(request: web.Request) -> web.Response:
        _may_see(principal_of(request))
        try:
            row = await callbacks.get(_id(request))
        except UnknownCallback:
            raise _not_found() from None
        await read_of_call_data(request, "callback", id=row.id, call_id=row.call_id)
        return web.json_response(brief(row))

    @table.post("/api/v1/callbacks/{id}/cancel")
    async def cancel(request: web.Request) -> web.Response:
        principal = principal_of(request)
        _may_see(principal)
        try:
            row = await callbacks.cancel(_id(request), by=principal.who)
        except UnknownCallback:
            raise _not_found() from None
        except NotCancellable as exc:
            raise web.HTTPConflict(
                text=json.dumps({"error": "state", "detail": str(exc)}),
                content_type="application/json",
            ) from None
        return web.json_response(brief(row))

    return table


def brief(row: CallbackRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "call_id": row.call_id,
        "queue": row.queue,
        "number": row.number,
        "language": row.language,
        "entered_at": row.entered_at.isoformat(),
        "accepted_at": row.accepted_at.isoformat(),
        "state": row.state,
        "attempts": row.attempts,
        "next_attempt_at": row.next_attempt_at.isoformat() if row.next_attempt_at else None,
        "agent": row.agent_id,
        "last_outcome": row.last_outcome,
        "state_at": row.state_at.isoformat(),
        "state_by": row.state_by,
    }


def _may_see(principal: Principal) -> None:
    if not principal.is_admin and principal.role not in ("lead", "supervisor"):
        raise forbidden("callbacks are for leads, supervisors and the admin")


def _states(raw: str | None) -> tuple[str, ...]:
    if raw is None or raw == "open":
        return OPEN_STATES
    if raw == "all":
        return ()
    if raw not in STATES:
        raise bad_request(f"state: one of open, all, {', '.join(STATES)}")
    return (raw,)


def _queue(request: web.Request, queues: frozenset[str]) -> str | None:
    queue = request.query.get("queue")
    if queue is not None and queue not in queues:
        raise bad_request(f"queue: one of {', '.join(sorted(queues))}")
    return queue


def _id(request: web.Request) -> int:
    raw = request.match_info["id"]
    if not raw.isdigit() or len(raw) > 18 or int(raw) >= _ID_MAX:
        raise _not_found()
    return int(raw)


def _not_found() -> web.HTTPNotFound:
    return web.HTTPNotFound(
        text=json.dumps({"error": "no such callback"}), content_type="application/json"
    )
