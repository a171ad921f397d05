"""HTTP routes of the consortium directory, for the admin only.

A body that is malformed is a 400 naming the field; an edit the directory's rules refuse is a
409 (a clash with the directory as it is) or a 404 (no such consortium or number), again
naming the field. Numbers are accepted in any form `directory.numbers.normalize` reads.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from functools import partial
from http import HTTPStatus
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, model_validator

from ccc_telephony.config.directory import (
    AllowedNumber,
    Consortium,
    ConsortiumName,
    ConsortiumNumber,
    CountyName,
    Directory,
    PhoneNumber,
)
from ccc_telephony.directory import rules
from ccc_telephony.directory.rules import DirectoryConflict, DirectoryRefused, NotInDirectory
from ccc_telephony.store.directory import (
    Change,
    DirectoryUnavailable,
    DirectoryWriteConflict,
    Edit,
    StoredDirectoryInvalid,
)
from ccc_telephony.web.auth import forbidden, principal_of
from ccc_telephony.web.validation import parse_body

Current = Callable[[], Directory]
Apply = Callable[[Edit, Change], Awaitable[Directory]]
PREFIX = "/api/v1/directory"


class ConsortiumChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: ConsortiumName | None = None
    phone: PhoneNumber | None = None
    counties: list[CountyName] | None = None

    @model_validator(mode="after")
    def _something(self) -> ConsortiumChange:
        if self.name is None and self.phone is None and self.counties is None:
            raise ValueError("give at least one of name, phone, counties")
        return self


def describe(consortium: Consortium, directory: Directory) -> dict[str, Any]:
    return {**consortium.model_dump(mode="json"), "home": consortium.id == directory.home}


def routes(current: Current, apply: Apply) -> web.RouteTableDef:
    table = web.RouteTableDef()

    async def edited(request: web.Request, edit: Edit, action: str, subject: str) -> Directory:
        audit = Change(changed_by=principal_of(request).name, action=action, subject=subject)
        try:
            return await apply(edit, audit)
        except DirectoryRefused as exc:
            raise _refusal(exc) from None
        except DirectoryWriteConflict as exc:
            raise _error(web.HTTPConflict, "directory", f"the database refused it: {exc}") from None
        except StoredDirectoryInvalid as exc:
            raise _error(web.HTTPConflict, "directory", str(exc)[:500]) from None
        except DirectoryUnavailable:
            detail = "the database is not answering; nothing was changed"
            raise _error(web.HTTPServiceUnavailable, "directory", detail) from None

    def number_in(request: web.Request) -> str:
        try:
            return rules.number_of(request.match_info["number"])
        except DirectoryRefused as exc:
            raise _refusal(exc) from None

    def consortium_view(directory: Directory, consortium_id: str) -> dict[str, Any]:
        consortium = directory.consortium(consortium_id)
        assert consortium is not None  # the edit just checked it
        return describe(consortium, directory)

    @table.get(f"{PREFIX}/consortia")
    async def list_consortia(request: web.Request) -> web.Response:
        _admin_only(request)
        directory = current()
        return web.json_response(
            {
                "home": directory.home,
                "consortia": [describe(c, directory) for c in directory.consortia],
            }
        )

    @table.get(f"{PREFIX}/consortia/{{consortium_id}}")
    async def one(request: web.Request) -> web.Response:
        _admin_only(request)
        directory = current()
        consortium = directory.consortium(request.match_info["consortium_id"])
        if consortium is None:
            raise _refusal(NotInDirectory("consortium", "no such consortium"))
        return web.json_response(describe(consortium, directory))

    @table.post(f"{PREFIX}/consortia")
    async def add_consortium(request: web.Request) -> web.Response:
        _admin_only(request)
        body = await parse_body(request, Consortium)
        after = await edited(
            request, partial(rules.add_consortium, consortium=body), "add_consortium", body.id
        )
        return web.json_response(consortium_view(after, body.id), status=201)

    @table.patch(f"{PREFIX}/consortia/{{consortium_id}}")
    async def change_consortium(request: web.Request) -> web.Response:
        _admin_only(request)
        consortium_id = request.match_info["consortium_id"]
        body = await parse_body(request, ConsortiumChange)
        edit = partial(
            rules.change_consortium,
            consortium_id=consortium_id,
            name=body.name,
            phone=body.phone,
            counties=body.counties,
        )
        after = await edited(request, edit, "change_consortium", consortium_id)
        return web.json_response(consortium_view(after, consortium_id))

    @table.delete(f"{PREFIX}/consortia/{{consortium_id}}")
    async def remove_consortium(request: web.Request) -> web.Response:
        _admin_only(request)
        consortium_id = request.match_info["consortium_id"]
        edit = partial(rules.remove_consortium, consortium_id=consortium_id)
        await edited(request, edit, "remove_consortium", consortium_id)
        return web.json_response({"removed": consortium_id})

    @table.post(f"{PREFIX}/consortia/{{consortium_id}}/numbers")
    async def add_number(request: web.Request) -> web.Response:
        _admin_only(request)
        consortium_id = request.match_info["consortium_id"]
        body = await parse_body(request, ConsortiumNumber)
        edit = partial(rules.add_number, consortium_id=consortium_id, entry=body)
        after = await edited(request, edit, "add_number", consortium_id)
        return web.json_response(consortium_view(after, consortium_id), status=201)

    @table.delete(f"{PREFIX}/consortia/{{consortium_id}}/numbers/{{number}}")
    async def remove_number(request: web.Request) -> web.Response:
        _admin_only(request)
        consortium_id = request.match_info["consortium_id"]
        edit = partial(
            rules.remove_number, consortium_id=consortium_id, raw_number=number_in(request)
        )
        after = await edited(request, edit, "remove_number", consortium_id)
        return web.json_response(consortium_view(after, consortium_id))

    @table.get(f"{PREFIX}/allowed")
    async def list_allowed(request: web.Request) -> web.Response:
        _admin_only(request)
        return web.json_response(
            {"allowed": [entry.model_dump(mode="json") for entry in current().allowed]}
        )

    @table.post(f"{PREFIX}/allowed")
    async def allow(request: web.Request) -> web.Response:
        _admin_only(request)
        body = await parse_body(request, AllowedNumber)
        await edited(request, partial(rules.allow, entry=body), "allow", body.number)
        return web.json_response(body.model_dump(mode="json"), status=201)

    @table.delete(f"{PREFIX}/allowed/{{number}}")
    async def disallow(request: web.Request) -> web.Response:
        _admin_only(request)
        number = number_in(request)
        await edited(request, partial(rules.disallow, raw_number=number), "disallow", number)
        return web.json_response({"removed": number})

    return table


def _admin_only(request: web.Request) -> None:
    """The middleware already keeps staff tokens to their prefixes; this holds even if those
    prefixes grow to include the directory."""
    if not principal_of(request).is_admin:
        raise forbidden("only the admin manages the consortium directory")


_STATUS: tuple[tuple[type[DirectoryRefused], type[web.HTTPError]], ...] = (
    (NotInDirectory, web.HTTPNotFound),
    (DirectoryConflict, web.HTTPConflict),
    (DirectoryRefused, web.HTTPBadRequest),
)


def _refusal(exc: DirectoryRefused) -> web.HTTPError:
    status = next(status for kind, status in _STATUS if isinstance(exc, kind))
    return _error(status, exc.field, exc.detail)


def _error(status: type[web.HTTPError], field: str, detail: str) -> web.HTTPError:
    error = HTTPStatus(status.status_code).phrase.lower()
    body = {"error": error, "field": field, "detail": f"{field}: {detail}"}
    return status(text=json.dumps(body), content_type="application/json")
