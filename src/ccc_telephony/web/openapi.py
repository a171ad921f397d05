"""The OpenAPI 3.1 description of the whole HTTP API, served at `GET /api/v1/openapi.json`.

Each package describes its own routes in its `api.yaml` (a partial document: `paths:` and
optionally `components:`), beside the code that serves them, so a feature's routes and their
description change in one commit. This module merges them: one path may be served by several
packages (`/api/v1/agents/{agent_id}/call/signature` by signatures, `.../call/threat` by
threats), so paths merge per method; a method described twice, or a component named twice with
different content, is a mistake in one of the files and is refused, naming both.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml
from aiohttp import web

from ccc_telephony import __version__

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
DOCUMENT_PATH = "/api/v1/openapi.json"
METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
SECURITY_SCHEMES = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "The admin token, or a staff token from `ccc-telephony agents token ID`",
    },
    "session": {
        "type": "apiKey",
        "in": "cookie",
        "name": "ccc_session",
        "description": "The browser session of a person who logged in",
    },
}
Part = tuple[str, Mapping[str, Any]]  # (where it came from, the partial document)


class DescriptionConflict(ValueError):
    """Two `api.yaml` files describe the same thing differently (or one is malformed)."""


def package_parts(root: Path = PACKAGE_ROOT) -> list[Part]:
    """Every package's `api.yaml`, in a stable order (the document is the same on each start)."""
    parts: list[Part] = []
    for path in sorted(root.glob("*/api.yaml")):
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(loaded, Mapping) or not isinstance(loaded.get("paths"), Mapping):
            raise DescriptionConflict(f"{path.parent.name}/api.yaml: needs a 'paths' mapping")
        parts.append((f"{path.parent.name}/api.yaml", loaded))
    return parts


def merge(parts: Iterable[Part]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(paths, components) of all the parts together."""
    paths: dict[str, dict[str, Any]] = {}
    components: dict[str, dict[str, Any]] = {}
    owners: dict[tuple[str, ...], str] = {}
    for source, part in parts:
        for path, item in part["paths"].items():
            merged = paths.setdefault(path, {})
            for key, value in item.items():
                _claim(owners, merged, ("paths", path, key), value, source, unique=key in METHODS)
        for kind, entries in (part.get("components") or {}).items():
            merged = components.setdefault(kind, {})
            for name, value in entries.items():
                _claim(owners, merged, ("components", kind, name), value, source, unique=False)
    return paths, components


def _claim(
    owners: dict[tuple[str, ...], str],
    into: dict[str, Any],
    where: tuple[str, ...],
    value: Any,
    source: str,
    *,
    unique: bool,
) -> None:
    """Put `value` at `where`; described already, it must be the same (never, for a method)."""
    key = where[-1]
    if key in into and (unique or into[key] != value):
        raise DescriptionConflict(
            f"{' '.join(where[1:])}: described in both {owners[where]} and {source}"
        )
    into[key] = value
    owners.setdefault(where, source)


def document(parts: Iterable[Part]) -> dict[str, Any]:
    """The whole OpenAPI 3.1 document: every route, and how to authenticate."""
    paths, components = merge(parts)
    components["securitySchemes"] = {**components.get("securitySchemes", {}), **SECURITY_SCHEMES}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "ccc-telephony",
            "version": __version__,
            "description": "The HTTP API of the call center's telephony service (see README.md)."
            " A route whose `security` is empty needs no credentials.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}, {"session": []}],
        "paths": dict(sorted(paths.items())),
        "components": components,
    }


def routes(parts: Iterable[Part]) -> web.RouteTableDef:
    """The document is merged once, when the app is built: a broken `api.yaml` stops the
    service at start-up, never a request."""
    text = json.dumps(document(parts))
    table = web.RouteTableDef()

    @table.get(DOCUMENT_PATH)
    async def description(_: web.Request) -> web.Response:
        return web.Response(text=text, content_type="application/json")

    return table
