"""HTTP routes for telephonic signatures: taking one on an agent's current call (start, end,
cancel), and reading them: find them by case number or call, one record with the words of its
script, and its audio (the caller alone, or both parties).

Taking one is for the agent, their leads and supervisors (calltools decides who may act on an
agent's call). Any member of staff may find and read records; the audio is for the agent who
took it, leads, supervisors and the admin (signatures/access.py). Every listing, record and
download is audited, a refused download too. Ids are random: an unknown or malformed one is a
404.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any
from uuid import UUID

from aiohttp import web
from pydantic import BaseModel, ConfigDict, StringConstraints

from ccc_telephony.calltools.tools import CallTools
from ccc_telephony.config.signatures import Program
from ccc_telephony.signatures.capture import CaptureRefused, Captures
from ccc_telephony.signatures.scripts import ScriptUnavailable
from ccc_telephony.signatures.service import (
    CASE_NUMBER_MAX,
    AudioUnavailable,
    BadCapture,
    Caller,
    NotAllowed,
    Part,
    SignatureService,
    UnknownSignature,
)
from ccc_telephony.store.signatures import SignatureRow
from ccc_telephony.web.auth import forbidden, principal_of
from ccc_telephony.web.validation import SSN_LIKE, bad_request, json_error, parse_body

PREFIX = "/api/v1/signatures"
_CALL_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_PARTS: dict[str, Part] = {"caller": "caller", "both": "both"}
CALL_PATH = "/api/v1/agents/{agent_id}/call/signature"


class StartRequest(BaseModel):
    """All optional: the program defaults to the policy's, the language is the caller's, the
    case number or SSN last four are what the IVR learnt."""

    model_config = ConfigDict(extra="forbid")

    program: Program | None = None
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")] | None = None
    case_number: Annotated[str, StringConstraints(max_length=CASE_NUMBER_MAX)] | None = None
    ssn_last4: Annotated[str, StringConstraints(pattern=r"^[0-9]{4}$")] | None = None


def describe(row: SignatureRow) -> dict[str, Any]:
    def moment(value: Any) -> str | None:
        return None if value is None else value.isoformat()

    return {
        "id": str(row.id),
        "call_id": row.call_id,
        "case_number": row.case_number,
        "ssn_last4": row.ssn_last4,
        "agent": row.agent_id,
        "program": row.program,
        "language": row.language,
        "script": {"id": row.script_id, "version": row.script_version},
        "started_at": moment(row.started_at),
        "ended_at": moment(row.ended_at),
        "duration_seconds": None if row.duration_seconds is None else float(row.duration_seconds),
        "status": row.status,
        "ended_by": row.ended_by,
        "files": {
            "caller": {"bytes": row.caller_bytes, "sha256": row.caller_sha256},
            "both": {"bytes": row.both_bytes, "sha256": row.both_sha256},
        },
        "chain": {"seq": row.chain_seq, "hash": row.chain_hash},
        "purged_at": moment(row.purged_at),
    }


def routes(signatures: SignatureService) -> web.RouteTableDef:
    table = web.RouteTableDef()

    @table.get(PREFIX)
    async def listing(request: web.Request) -> web.Response:
        case, call = request.query.get("case"), request.query.get("call")
        if (case is None) == (call is None):
            raise bad_request("give one of case (a case number) or call (a call id)")
        if case is not None:
            # The policy's case numbers only: a full SSN typed here must never reach the audit.
            try:
                signatures.checked_caller(Caller(case_number=case))
            except BadCapture:
                raise bad_request("case: not a case number") from None
        if call is not None and (not _CALL_ID.fullmatch(call) or SSN_LIKE.search(call)):
            raise bad_request("call: not a call id")  # nor an SSN, which the audit would keep
        rows = await signatures.listing(principal_of(request), case_number=case, call_id=call)
        return web.json_response({"signatures": [describe(row) for row in rows]})

    @table.get(PREFIX + "/{signature_id}")
    async def one(request: web.Request) -> web.Response:
        try:
            row, parts = await signatures.record(principal_of(request), _signature_id(request))
        except UnknownSignature:
            raise _not_found() from None
        described = describe(row)
        described["script"]["parts"] = parts
        return web.json_response(described)

    @table.get(PREFIX + "/{signature_id}/audio")
    async def audio(request: web.Request) -> web.StreamResponse:
        part = _PARTS.get(request.query.get("part", "caller"))
        if part is None:
            raise bad_request("part: caller (the caller's voice alone) or both")
        try:
            path = await signatures.audio(principal_of(request), _signature_id(request), part)
        except UnknownSignature:
            raise _not_found() from None
        except NotAllowed as exc:
            raise forbidden(str(exc)) from None
        except AudioUnavailable as exc:
            error = web.HTTPGone if exc.gone else web.HTTPConflict
            raise error(
                text=json.dumps({"error": "no audio", "detail": str(exc)}),
                content_type="application/json",
            ) from None
        name = f"signature-{request.match_info['signature_id']}-{part}.wav"
        return web.FileResponse(
            path,
            headers={
                "Content-Type": "audio/wav",
                "Content-Disposition": f'attachment; filename="{name}"',
                "Cache-Control": "no-store",
            },
        )

    return table


def capture_routes(captures: Captures, tools: CallTools) -> web.RouteTableDef:
    """Start a capture on the agent's current call (201), end it (recorded) or cancel it
    (`?cancel=true`: incomplete, what was recorded kept)."""
    table = web.RouteTableDef()

    @table.post(CALL_PATH)
    async def start(request: web.Request) -> web.Response:
        body = await parse_body(request, StartRequest)
        call = await tools.call_of(request)
        given = Caller(body.case_number, body.ssn_last4)
        try:
            row = await captures.start(
                call_id=call.caller,
                agent_id=call.agent.id,
                program=body.program,
                language=body.language,
                caller=given if given.case_number or given.ssn_last4 else None,
                how="api",
                by=principal_of(request).who,
            )
        except BadCapture as exc:
            raise bad_request(str(exc)) from None
        except (CaptureRefused, ScriptUnavailable) as exc:
            raise json_error(web.HTTPConflict, str(exc)) from None
        return web.json_response(describe(row), status=201)

    @table.delete(CALL_PATH)
    async def end(request: web.Request) -> web.Response:
        cancel = request.query.get("cancel", "false")
        if cancel not in ("true", "false"):
            raise bad_request("cancel: true or false")
        call = await tools.call_of(request)
        try:
            row = await captures.end(
                call.caller,
                complete=cancel == "false",
                ended_by="cancelled" if cancel == "true" else "api",
            )
        except CaptureRefused as exc:
            raise json_error(web.HTTPConflict, str(exc)) from None
        return web.json_response(describe(row))

    return table


def _signature_id(request: web.Request) -> UUID:
    try:
        return UUID(request.match_info["signature_id"])
    except ValueError:
        raise _not_found() from None


def _not_found() -> web.HTTPNotFound:
    return web.HTTPNotFound(
        text=json.dumps({"error": "no such signature"}), content_type="application/json"
    )
