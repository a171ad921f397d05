"""`GET /wallboard` (the page), `GET /api/v1/wallboard` (a snapshot as JSON) and the
WebSocket `GET /api/v1/wallboard/live`.

The page is rendered by the server with the viewer's snapshot in it (as JSON data, which the
page's script shows at once, before its WebSocket connects); the script and stylesheet are
served from the package, nothing from anywhere else.

The WebSocket's first message is `{"type": "snapshot", "at": ..., "changed_at": ...,
"panels": {...}}`, then `{"type": "panels", "changed_at": ..., "panels": {...}}` with the
panels that changed. `at` is the service clock's time the snapshot was built; `changed_at`
(ISO 8601, service clock) the time of the oldest change the message reflects (see board.py),
for whoever measures how late a screen is. When the service stops it closes with 1001; the
page reconnects by itself.
"""

from __future__ import annotations

import html
import json
from datetime import datetime
from pathlib import Path
from string import Template
from urllib.parse import urlsplit

from aiohttp import web

from ccc_telephony.wallboard.board import Update, Viewer, Wallboard, panel_text
from ccc_telephony.web.auth import forbidden, principal_of
from ccc_telephony.web.pages import PAGE_HEADERS
from ccc_telephony.web.sockets import push_only

HERE = Path(__file__).parent
PAGE = Template((HERE / "wallboard.html").read_text())
GOING_AWAY = 1001


def routes(board: Wallboard) -> web.RouteTableDef:
    table = web.RouteTableDef()
    table.static("/static/wallboard", HERE / "static")

    @table.get("/wallboard")
    async def page(request: web.Request) -> web.Response:
        principal = principal_of(request)
        snapshot = await board.snapshot(principal)
        sections = "\n".join(
            f'<section class="panel" id="panel-{p.name}" data-panel="{p.name}"'
            f' aria-labelledby="heading-{p.name}"></section>'
            for p in board.panels_for(principal)
        )
        # JSON inside a <script type="application/json">: every "<" escaped, so that no text
        # in it (an agent's name) can end the element or open a comment.
        data = json.dumps(snapshot, default=str).replace("<", "\\u003c")
        text = PAGE.substitute(
            who=html.escape(principal.name),
            role=html.escape(principal.role),
            sections=sections,
            snapshot=data,
        )
        return web.Response(text=text, content_type="text/html", headers=PAGE_HEADERS)

    @table.get("/api/v1/wallboard")
    async def snapshot(request: web.Request) -> web.Response:
        return web.json_response(await board.snapshot(principal_of(request)), dumps=_dumps)

    @table.get("/api/v1/wallboard/live")
    async def live(request: web.Request) -> web.WebSocketResponse:
        principal = principal_of(request)
        _same_origin(request)
        viewer = board.subscribe(principal)
        return await push_only(
            request, lambda ws: _pump(ws, board, viewer), on_end=lambda: board.unsubscribe(viewer)
        )

    return table


async def _pump(ws: web.WebSocketResponse, board: Wallboard, viewer: Viewer) -> None:
    """The whole snapshot first, then each change, until the viewer is closed."""
    first = await board.snapshot(viewer.principal)
    viewer.offer(
        {name: panel_text(data) for name, data in first["panels"].items()},
        datetime.fromisoformat(first["at"]),
    )
    head: dict[str, str] = {"type": "snapshot", "at": first["at"]}
    while True:
        update = await viewer.next()
        if update is None:
            await ws.close(code=GOING_AWAY, message=b"the service is stopping")
            return
        await ws.send_str(_message(head, update))
        head = {"type": "panels"}


def _message(head: dict[str, str], update: Update) -> str:
    """The message's JSON with the panels' texts as they are: written once per update for
    every viewer who sees them (board.py), not again per viewer."""
    fields = [f"{json.dumps(k)}: {json.dumps(v)}" for k, v in head.items()]
    fields.append(f'"changed_at": {json.dumps(update.changed_at.isoformat())}')
    panels = ", ".join(f"{json.dumps(name)}: {text}" for name, text in update.panels.items())
    return "{" + ", ".join(fields) + ', "panels": {' + panels + "}}"


def _same_origin(request: web.Request) -> None:
    """A browser says which page opens a WebSocket: only our own pages may (the session cookie
    is SameSite=Strict already; this also holds for a browser that ignores it). Tools that send
    no Origin (a bearer token's client) are not browsers and pass."""
    origin = request.headers.get("Origin")
    if origin is not None and urlsplit(origin).netloc != request.host:
        raise forbidden("the wallboard's live feed is for its own page")


def _dumps(data: object) -> str:
    return json.dumps(data, default=str)
