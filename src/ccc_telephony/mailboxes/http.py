"""HTTP routes for staff mailboxes: greetings (WAV upload), away status, flags, and the
management of an absent or departed agent's messages (list, listen, take over, delegates,
a departed agent's greeting kept or not, disconnect). Validate, call the service, nothing
else; every access is audited there."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import AsyncIterator, Awaitable
from datetime import timedelta
from typing import Any, TypeVar

from aiohttp import web
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from ccc_telephony.mailboxes import rules
from ccc_telephony.mailboxes.service import MailboxService, NotAllowed, UnknownMailbox
from ccc_telephony.messages.book import brief
from ccc_telephony.prompts.audio import MAX_BYTES
from ccc_telephony.prompts.errors import PromptError
from ccc_telephony.returns.service import ReturnCalls
from ccc_telephony.store.mailboxes import GreetingKind, MailboxRecord
from ccc_telephony.web.auth import Principal, forbidden, principal_of
from ccc_telephony.web.reads import read_of_call_data
from ccc_telephony.web.validation import bad_request, json_error, parse_body, read_body

PREFIX = "/api/v1/mailboxes"
_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,31}$")
_KINDS: dict[str, GreetingKind] = {"in_office": "in_office", "away": "away"}
MAX_AWAY = timedelta(days=366)
UPLOADED, AWAY_SET = "greeting_uploaded", "away_set"  # their audit actions
T = TypeVar("T")


class AwayRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    until: AwareDatetime | None


class KeepGreetingRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    keep: bool


class TakeOverRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    messages: list[int] | None = Field(default=None, max_length=500)


def describe(service: MailboxService, mailbox: MailboxRecord) -> dict[str, Any]:
    now = service.now()
    return {
        "id": mailbox.id,
        "name": mailbox.agent.name,
        "extension": mailbox.agent.extension,
        "direct_number": service.policy.mailboxes.direct_prefix + mailbox.agent.extension,
        "state": "disconnected"
        if mailbox.disconnected_at
        else ("active" if mailbox.active else "departed"),
        "greetings": {
            "in_office": mailbox.greeting_in_office is not None,
            "away": mailbox.greeting_away is not None,
        },
        "away": rules.is_away(mailbox, now),
        "away_until": None if mailbox.away_until is None else mailbox.away_until.isoformat(),
        "flag": rules.flag_of(mailbox, now),
        "delegates": sorted(service.delegates(mailbox.id)),
        "keep_greeting": mailbox.keep_greeting,
    }


def routes(service: MailboxService, returns: ReturnCalls) -> web.RouteTableDef:
    """`returns`: a message's audio is served by the messages' rules (the `listened`
    action, the owner's first listen marks it heard)."""
    table = web.RouteTableDef()

    async def mailbox_of(request: web.Request) -> MailboxRecord:
        mailbox_id = request.match_info["mailbox"]
        if not _ID.fullmatch(mailbox_id):
            raise _not_found()
        return await _answer(service.mailbox(mailbox_id))

    async def settable(request: web.Request, mailbox: MailboxRecord, action: str) -> Principal:
        principal = principal_of(request)
        if not rules.may_set_greeting(principal, mailbox, service.roster):
            await service.audit(principal.who, mailbox.id, action, allowed=False)
            raise forbidden("only the agent, their supervisors and the admin")
        return principal

    @contextlib.asynccontextmanager
    async def refusals_audited(
        principal: Principal, mailbox: MailboxRecord, action: str
    ) -> AsyncIterator[None]:
        """A change refused (a bad body, WAV or date) is audited like an allowed one."""
        try:
            yield
        except web.HTTPClientError as exc:
            why = (exc.text or exc.reason)[:300]
            await service.audit(
                principal.who, mailbox.id, action, allowed=False, details={"why": why}
            )
            raise

    @table.get(PREFIX)
    async def listing(request: web.Request) -> web.Response:
        principal = principal_of(request)
        found = [m for m in await service.every() if service.may_see(principal, m)]
        return web.json_response({"mailboxes": [describe(service, m) for m in found]})

    @table.get(PREFIX + "/flagged")
    async def flagged(request: web.Request) -> web.Response:
        return web.json_response({"flagged": await service.flagged(principal_of(request))})

    @table.get(PREFIX + "/{mailbox}")
    async def one(request: web.Request) -> web.Response:
        mailbox = await mailbox_of(request)
        if not service.may_see(principal_of(request), mailbox):
            raise forbidden("not your mailbox, nor one you manage")
        return web.json_response(describe(service, mailbox))

    @table.put(PREFIX + "/{mailbox}/greetings/{kind}")
    async def upload(request: web.Request) -> web.Response:
        mailbox = await mailbox_of(request)
        principal = await settable(request, mailbox, UPLOADED)
        async with refusals_audited(principal, mailbox, UPLOADED):
            kind = _KINDS.get(request.match_info["kind"])
            if kind is None:
                raise bad_request("kind: in_office or away")
            body = await read_body(request, MAX_BYTES)
            try:
                name = await asyncio.to_thread(
                    service.greetings.save_upload, mailbox.id, kind, body
                )
            except PromptError as exc:
                raise bad_request(str(exc)) from None
        await service.set_greeting(mailbox, kind, name, who=principal.who, how="uploaded")
        return web.json_response(describe(service, await service.mailbox(mailbox.id)), status=201)

    @table.put(PREFIX + "/{mailbox}/away")
    async def away(request: web.Request) -> web.Response:
        mailbox = await mailbox_of(request)
        principal = await settable(request, mailbox, AWAY_SET)
        async with refusals_audited(principal, mailbox, AWAY_SET):
            until = (await parse_body(request, AwayRequest)).until
            if until is not None and not service.now() < until <= service.now() + MAX_AWAY:
                raise bad_request("until: a moment from now to a year ahead (or null: back)")
        await service.set_away(mailbox, until, who=principal.who)
        return web.json_response(describe(service, await service.mailbox(mailbox.id)))

    @table.get(PREFIX + "/{mailbox}/messages")
    async def messages(request: web.Request) -> web.Response:
        mailbox = await mailbox_of(request)
        rows = await _answer(service.messages(principal_of(request), mailbox))
        await read_of_call_data(request, "mailbox_messages", mailbox=mailbox.id)
        return web.json_response({"messages": [brief(row) for row in rows]})

    @table.get(PREFIX + "/{mailbox}/messages/{message_id}/audio")
    async def listen(request: web.Request) -> web.StreamResponse:
        mailbox = await mailbox_of(request)
        message_id, principal = _message_id(request), principal_of(request)
        try:
            row = await _answer(service.listen(principal, mailbox, message_id))
        except LookupError:
            raise _not_found() from None
        path = service.greetings.message_file(row.recording)
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

    @table.post(PREFIX + "/{mailbox}/takeover")
    async def take_over(request: web.Request) -> web.Response:
        mailbox = await mailbox_of(request)
        body = await parse_body(request, TakeOverRequest)
        rows = await _answer(service.take_over(principal_of(request), mailbox, body.messages))
        return web.json_response({"taken": [brief(row) for row in rows]})

    @table.put(PREFIX + "/{mailbox}/delegates/{delegate}")
    async def name(request: web.Request) -> web.Response:
        return await _delegate(request, add=True)

    @table.delete(PREFIX + "/{mailbox}/delegates/{delegate}")
    async def unname(request: web.Request) -> web.Response:
        return await _delegate(request, add=False)

    async def _delegate(request: web.Request, *, add: bool) -> web.Response:
        mailbox = await mailbox_of(request)
        delegate = request.match_info["delegate"]
        if add and delegate not in service.roster:
            raise bad_request("delegate: not an agent in the roster")
        await _answer(service.name_delegate(principal_of(request), mailbox, delegate, add=add))
        return web.json_response(describe(service, mailbox))

    @table.post(PREFIX + "/{mailbox}/disconnect")
    async def disconnect(request: web.Request) -> web.Response:
        mailbox = await mailbox_of(request)
        try:
            await _answer(service.disconnect(principal_of(request), mailbox))
        except ValueError as exc:
            raise web.HTTPConflict(
                text=json.dumps({"error": "in the roster", "detail": str(exc)}),
                content_type="application/json",
            ) from None
        return web.json_response(describe(service, await service.mailbox(mailbox.id)))

    @table.put(PREFIX + "/{mailbox}/keep-greeting")
    async def keep_greeting(request: web.Request) -> web.Response:
        mailbox = await mailbox_of(request)
        body = await parse_body(request, KeepGreetingRequest)
        await _answer(service.keep_greeting(principal_of(request), mailbox, body.keep))
        return web.json_response(describe(service, await service.mailbox(mailbox.id)))

    return table


async def _answer(work: Awaitable[T]) -> T:
    try:
        return await work
    except UnknownMailbox:
        raise _not_found() from None
    except NotAllowed:
        raise forbidden("only the mailbox's supervisors, their delegates and the admin") from None


def _message_id(request: web.Request) -> int:
    text = request.match_info["message_id"]
    if not text.isdecimal() or len(text) > 18:
        raise _not_found()
    return int(text)


def _not_found() -> web.HTTPNotFound:
    return web.HTTPNotFound(
        text=json.dumps({"error": "no such mailbox or message"}), content_type="application/json"
    )
