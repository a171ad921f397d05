"""What every HTML page the service serves says to the browser: load only what the service
itself serves (no inline script, nothing from elsewhere, no framing by another site), never
guess a file's type, keep no copy (a page holds staff's names and states); and how a page's
template is filled in safely."""

from __future__ import annotations

import html
from pathlib import Path
from string import Template
from typing import Final

from aiohttp import web

PAGE_HEADERS: Final = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


def template(path: Path) -> Template:
    return Template(path.read_text())


def page(page_template: Template, *, markup: dict[str, str], **texts: str) -> web.Response:
    """The page with `texts` escaped into it and `markup` (already built from escaped parts)
    put in as it is."""
    values = {key: html.escape(value) for key, value in texts.items()} | markup
    return web.Response(
        text=page_template.substitute(values), content_type="text/html", headers=PAGE_HEADERS
    )
