"""Routes on the agent's current call, for a screen's buttons: conference the interpreter line
in (POST), drop the interpreter and keep the caller (DELETE), document who interpreted and step
aside or back (PATCH). The call comes from the mid-call tools' one way in (CallTools.call_of:
404 no such agent, 403 not theirs to act on, 409 no caller now)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from aiohttp import web
from pydantic import StringConstraints

from ccc_telephony.agents.calls import AgentCall
from ccc_telephony.interpreters.conference import Interpretation
from ccc_telephony.interpreters.documentation import Documentation
from ccc_telephony.interpreters.service import InterpreterDesk, InterpreterError
from ccc_telephony.web.auth import user_of
from ccc_telephony.web.validation import json_error, parse_body

PATH = "/api/v1/agents/{agent_id}/call/interpreter"
Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")]


class JoinRequest(Documentation):
    language: Language | None = None  # None: the language the caller chose


class ChangeRequest(Documentation):
    aside: bool | None = None  # True: the agent steps aside; False: back


def routes(
    *,
    call_of: Callable[[web.Request], Awaitable[AgentCall]],
    desk: InterpreterDesk,
    join: Callable[[AgentCall, str | None, Documentation], Awaitable[Interpretation]],
) -> web.RouteTableDef:
    table = web.RouteTableDef()

    @table.post(PATH)
    async def bring_in(request: web.Request) -> web.Response:
        call = await call_of(request)
        body = await parse_body(request, JoinRequest)
        documentation = Documentation(**body.model_dump(exclude={"language"}))
        it = await _answered(join(call, body.language, documentation))
        return web.json_response(_view(it), status=202)

    @table.delete(PATH)
    async def drop(request: web.Request) -> web.Response:
        call = await call_of(request)
        return web.json_response(_view(await _answered(desk.drop(call.caller))))

    @table.patch(PATH)
    async def change(request: web.Request) -> web.Response:
        call = await call_of(request)
        body = await parse_body(request, ChangeRequest)
        given = Documentation(**body.model_dump(exclude={"aside"}))
        it = None
        if given != Documentation():
            it = await _answered(desk.document(call.caller, given, by=user_of(request)))
        if body.aside is not None:
            it = await _answered(desk.step(call.caller, aside=body.aside))
        if it is None:
            raise json_error(
                web.HTTPBadRequest, "nothing to change: name, role, interpreter_id, aside"
            )
        return web.json_response(_view(it))

    return table


async def _answered(request: Awaitable[Interpretation]) -> Interpretation:
    try:
        return await request
    except InterpreterError as exc:
        raise json_error(_ERRORS.get(exc.status, web.HTTPConflict), str(exc)) from None


_ERRORS: dict[int, type[web.HTTPException]] = {
    409: web.HTTPConflict,
    422: web.HTTPUnprocessableEntity,
    502: web.HTTPBadGateway,
}


def _view(it: Interpretation) -> dict[str, Any]:
    return {
        "session": str(it.session),
        "call_id": it.call_id,
        "agent": it.agent_id,
        "language": it.language,
        "number": it.line,
        "stage": it.stage.value,
        "aside": it.aside,
        **it.documentation.details(),
    }
