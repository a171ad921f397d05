"""The login page, login and logout, and `PUT /api/v1/agents/{agent_id}/password`.

The session cookie is HttpOnly (no script reads it), SameSite=Strict (no other site's page
makes the browser send it) and Secure when the service is configured behind HTTPS. Login
answers the same for an unknown person and a wrong password.
"""

from __future__ import annotations

import html
import json
import urllib.parse
from collections.abc import Callable, Mapping
from pathlib import Path
from string import Template

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from ccc_telephony.config.agents import RosterAgent
from ccc_telephony.login.passwords import MAX_LENGTH, UnfitPassword
from ccc_telephony.login.service import LoggedIn, Login, TooManyTries, WrongPassword
from ccc_telephony.store.web_login import NotOnRoster
from ccc_telephony.web.auth import (
    Principal,
    SessionLookup,
    acted_on,
    forbidden,
    principal_of,
    user_of,
)
from ccc_telephony.web.pages import PAGE_HEADERS
from ccc_telephony.web.validation import bad_request, json_error, parse_body, read_body

Roster = Callable[[], Mapping[str, RosterAgent]]
COOKIE = "ccc_session"
HOME = "/wallboard"
FORM_LIMIT = 4096
HERE = Path(__file__).parent
PAGE = Template((HERE / "login.html").read_text())


class NewPassword(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: str = Field(max_length=MAX_LENGTH)
    current_password: str | None = Field(default=None, max_length=MAX_LENGTH)


def session_lookup(login: Login) -> SessionLookup:
    """The web/auth.py session look-up: the principal of the request's cookie, if any."""

    async def lookup(request: web.Request) -> Principal | None:
        session = request.cookies.get(COOKIE)
        return None if session is None else await login.sessions.principal(session)

    return lookup


def routes(login: Login, *, secure_cookie: bool, roster: Roster) -> web.RouteTableDef:
    """`secure_cookie`: the service is reached over HTTPS (a proxy in front of it)."""
    table = web.RouteTableDef()
    table.static("/static/login", HERE / "static")

    @table.get("/")
    async def home(_: web.Request) -> web.Response:
        raise web.HTTPSeeOther(HOME)

    @table.get("/login")
    async def page(_: web.Request) -> web.Response:
        return _page()

    @table.post("/login")
    async def log_in(request: web.Request) -> web.Response:
        form = _form(await read_body(request, FORM_LIMIT))
        username, password = form.get("username", ""), form.get("password", "")
        outcome = await login.log_in(username, password, peer=request.remote or "unknown")
        if isinstance(outcome, LoggedIn):
            reply = web.HTTPSeeOther(HOME)
            reply.set_cookie(
                COOKIE,
                outcome.session,
                max_age=int(login.sessions.lifetime.total_seconds()),
                path="/",
                httponly=True,
                samesite="Strict",
                secure=secure_cookie,
            )
            raise reply
        if outcome.retry_after is not None:
            minutes = (outcome.retry_after + 59) // 60
            problem = f"Too many failed logins. Try again in {minutes} minute(s)."
            return _page(problem, username, status=429, retry_after=outcome.retry_after)
        return _page("Wrong username or password.", username, status=401)

    @table.post("/logout")
    async def log_out(request: web.Request) -> web.Response:
        session = request.cookies.get(COOKIE)
        if session is not None:
            await login.log_out(session, peer=request.remote or "unknown")
        reply = web.HTTPSeeOther("/login")
        reply.del_cookie(COOKIE, path="/")
        raise reply

    @table.put("/api/v1/agents/{agent_id}/password")
    async def set_password(request: web.Request) -> web.Response:
        agent = acted_on(request, roster())
        principal = principal_of(request)
        body = await parse_body(request, NewPassword)
        if not principal.is_admin:
            if principal.agent_id != agent.id:
                raise forbidden("only the admin or the agent themself sets a password")
            await _check_current(login, agent.id, body.current_password, request)
        try:
            at = await login.set_password(agent.id, body.password, by=user_of(request))
        except UnfitPassword as exc:
            raise bad_request(str(exc)) from None
        except NotOnRoster:
            raise json_error(web.HTTPNotFound, "no such agent") from None
        return web.json_response({"agent": agent.id, "password_set_at": at.isoformat()})

    return table


async def _check_current(
    login: Login, agent_id: str, current: str | None, request: web.Request
) -> None:
    if not current:
        raise bad_request("current_password: required to change your own password")
    try:
        await login.check_current_password(agent_id, current, peer=request.remote or "unknown")
    except TooManyTries as exc:
        raise web.HTTPTooManyRequests(
            text=json.dumps({"error": "too many requests", "detail": str(exc)}),
            content_type="application/json",
            headers={"Retry-After": str(exc.retry_after)},
        ) from None
    except WrongPassword:
        raise forbidden("current_password: not your current password") from None


def _form(body: bytes) -> dict[str, str]:
    """A urlencoded form's fields (the first of each); a body that is not one is empty."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise bad_request("the form is not valid UTF-8") from None
    try:
        fields = urllib.parse.parse_qs(text, keep_blank_values=True, max_num_fields=10)
    except ValueError:
        raise bad_request("the form has too many fields") from None
    return {name: values[0] for name, values in fields.items()}


def _page(
    problem: str = "", username: str = "", *, status: int = 200, retry_after: int | None = None
) -> web.Response:
    shown = f'<p class="problem" role="alert">{html.escape(problem)}</p>' if problem else ""
    headers = dict(PAGE_HEADERS)
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    return web.Response(
        text=PAGE.substitute(problem=shown, username=html.escape(username[:64])),
        content_type="text/html",
        status=status,
        headers=headers,
    )
