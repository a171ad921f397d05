"""HTTP routes for messages: find them, read one with its history, listen to it (audited),
return it by phone, take it over, mark it returned or unreachable by hand, and the day's list
of those not yet returned.

Each message is for whoever may handle it (messages/access.py): its owner, the mailbox's agent,
their supervisors and delegates, for an after-hours message nobody took the heads of its queue
(the operator queue's: every lead and supervisor), the admin. A list shows only those (the
database filters by it, then pages: `limit`, default 100 and at most 500, and `offset`; a
reply with more after it says `next_offset`); one message of someone else's is a 403, an
unknown id a 404. Every read of a recording is a `listened` action (who, when).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Literal, TypeVar

from aiohttp import web
from pydantic import BaseModel, ConfigDict, StringConstraints

from ccc_telephony.returns.dialer import DialerError
from ccc_telephony.returns.service import ReturnCalls, ReturnError
from ccc_telephony.store.messages import OPEN_STATES, MessageQuery, MessageRow, State
from ccc_telephony.web.auth import principal_of
from ccc_telephony.web.reads import read_of_call_data
from ccc_telephony.web.validation import bad_request, free_text, json_error, parse_body

PREFIX = "/api/v1/messages"
NOTE_MAX_CHARS = 1_000
PAGE = 100
PAGE_MAX = 500
OFFSET_MAX = 10_000_000
_ID = re.compile(r"^[0-9]{1,18}$")
_AGENT = re.compile(r"^[a-z][a-z0-9._-]{0,31}$")
_RECORDING = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,200}$")
_STATES: tuple[State, ...] = ("new", "heard", "returning", "returned", "unreachable")
_ERRORS: dict[int, type[web.HTTPException]] = {
    403: web.HTTPForbidden,
    404: web.HTTPNotFound,
    409: web.HTTPConflict,
    422: web.HTTPUnprocessableEntity,
    502: web.HTTPBadGateway,
}
T = TypeVar("T")


class ReturnRequest(BaseModel):
    """Whose phone rings first: by default the requester's own (only the admin names one)."""

    model_config = ConfigDict(extra="forbid")

    agent: Annotated[str, StringConstraints(pattern=_AGENT.pattern)] | None = None


class TakeOverRequest(BaseModel):
    """Who takes the message over: by default the requester (the admin, or a supervisor for
    one of their staff, may name another)."""

    model_config = ConfigDict(extra="forbid")

    agent: Annotated[str, StringConstraints(pattern=_AGENT.pattern)] | None = None


class StateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state: Literal["returned", "unreachable"]
    note: Annotated[str, StringConstraints(max_length=NOTE_MAX_CHARS)] | None = None


def routes(returns: ReturnCalls, recordings_dir: Path) -> web.RouteTableDef:
    table = web.RouteTableDef()
    book = returns.book

    @table.get(PREFIX)
    async def listing(request: web.Request) -> web.Response:
        overdue = _flag(request, "overdue")
        query = MessageQuery(
            mailboxes=_names(request, "mailbox"),
            owners=_names(request, "owner"),
            states=_states(request) or (OPEN_STATES if overdue else ()),
            due_before=book.now() if overdue else None,
        )
        return await _page(request, "messages", query)

    @table.get(PREFIX + "/unreturned")
    async def unreturned(request: web.Request) -> web.Response:
        """The day's list: open messages the requester answers for (a supervisor: their
        staff's), oldest due first."""
        return await _page(request, "messages_unreturned", MessageQuery(states=OPEN_STATES))

    async def _page(request: web.Request, what: str, query: MessageQuery) -> web.Response:
        """One page of the messages `query` finds that the requester may handle."""
        limit = _int(request, "limit", PAGE, 1, PAGE_MAX)
        offset = _int(request, "offset", 0, 0, OFFSET_MAX)
        await read_of_call_data(
            request,
            what,
            mailboxes=query.mailboxes,
            owners=query.owners,
            states=list(query.states),
            overdue=query.due_before is not None,
            offset=offset,
        )
        reach = returns.reach(principal_of(request))
        rows = await book.find(replace(query, reach=reach, limit=limit + 1, offset=offset))
        more = len(rows) > limit
        return web.json_response(
            {
                "at": book.now().isoformat(),
                "messages": [book.brief(row) for row in rows[:limit]],
                "next_offset": offset + limit if more else None,
            }
        )

    @table.get(PREFIX + "/{message_id}")
    async def one(request: web.Request) -> web.Response:
        row = await _answered(returns.handled(principal_of(request), _message_id(request)))
        await read_of_call_data(request, "message", id=row.id)
        history = [
            {"at": a.at.isoformat(), "who": a.who, "action": a.action, "details": a.details}
            for a in await book.actions(row.id)
        ]
        return web.json_response(book.brief(row) | {"history": history})

    @table.get(PREFIX + "/{message_id}/audio")
    async def audio(request: web.Request) -> web.StreamResponse:
        principal = principal_of(request)
        row = await _answered(returns.handled(principal, _message_id(request)))
        path = _recording_path(recordings_dir, row)
        if path is None:
            raise json_error(web.HTTPGone, "the recording is no longer there")
        await returns.listened(principal, row)
        return web.FileResponse(
            path,
            headers={
                "Content-Type": "audio/wav",
                "Content-Disposition": f'attachment; filename="message-{row.id}.wav"',
                "Cache-Control": "no-store",
            },
        )

    @table.post(PREFIX + "/{message_id}/return")
    async def return_call(request: web.Request) -> web.Response:
        body = await parse_body(request, ReturnRequest)
        principal = principal_of(request)
        attempt = await _answered(
            returns.start(principal, _message_id(request), agent_id=body.agent)
        )
        reply = {
            "message": _message_id(request),
            "agent": attempt.agent_id,
            "number": attempt.number,
        }
        return web.json_response(reply | {"attempt": attempt.tag, "state": "returning"}, status=202)

    @table.post(PREFIX + "/{message_id}/state")
    async def mark(request: web.Request) -> web.Response:
        body = await parse_body(request, StateRequest)
        note = free_text(body.note, field="note", max_chars=NOTE_MAX_CHARS)
        row = await _answered(
            returns.mark(principal_of(request), _message_id(request), body.state, note)
        )
        return web.json_response(book.brief(row))

    @table.post(PREFIX + "/{message_id}/take-over")
    async def take_over(request: web.Request) -> web.Response:
        """Owner := the requester (or whom they name): audited as `taken_over`."""
        body = await parse_body(request, TakeOverRequest)
        row = await _answered(
            returns.take_over(principal_of(request), _message_id(request), agent_id=body.agent)
        )
        return web.json_response(book.brief(row))

    return table


async def _answered(request: Awaitable[T]) -> T:
    try:
        return await request
    except (ReturnError, DialerError) as exc:
        raise json_error(_ERRORS.get(exc.status, web.HTTPConflict), str(exc)) from None


def _message_id(request: web.Request) -> int:
    text = request.match_info["message_id"]
    if not _ID.fullmatch(text):
        raise json_error(web.HTTPNotFound, "no such message")
    return int(text)


def _names(request: web.Request, name: str) -> list[str] | None:
    value = request.query.get(name)
    if value is None:
        return None
    if not _AGENT.fullmatch(value):
        raise bad_request(f"{name}: an agent id")
    return [value]


def _states(request: web.Request) -> tuple[State, ...]:
    value = request.query.get("state")
    if value is None:
        return ()
    if value == "open":
        return OPEN_STATES
    state = next((s for s in _STATES if s == value), None)
    if state is None:
        raise bad_request("state: new, heard, returning, returned, unreachable or open")
    return (state,)


def _int(request: web.Request, name: str, default: int, least: int, most: int) -> int:
    value = request.query.get(name)
    if value is None:
        return default
    if not (value.isdecimal() and value.isascii() and least <= int(value) <= most):
        raise bad_request(f"{name}: a whole number from {least} to {most}")
    return int(value)


def _flag(request: web.Request, name: str) -> bool:
    value = request.query.get(name, "false")
    if value not in ("true", "false"):
        raise bad_request(f"{name}: true or false")
    return value == "true"


def _recording_path(recordings_dir: Path, row: MessageRow) -> Path | None:
    """The message's WAV in Asterisk's recordings directory (the name is the service's own,
    still checked: it must stay inside that directory)."""
    if not _RECORDING.fullmatch(row.recording) or ".." in row.recording:
        return None
    path = recordings_dir / f"{row.recording}.wav"
    return path if path.is_file() else None
