"""HTTP routes: list prompts and their source, upload a WAV to replace one (audited)."""

from __future__ import annotations

import asyncio
import re

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.prompts.audio import MAX_BYTES
from ccc_telephony.prompts.errors import PromptError
from ccc_telephony.prompts.library import PromptLibrary
from ccc_telephony.store import prompts as prompts_store
from ccc_telephony.web.auth import user_of
from ccc_telephony.web.validation import bad_request, read_body

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def routes(library: PromptLibrary, engine: AsyncEngine) -> web.RouteTableDef:
    table = web.RouteTableDef()

    @table.get("/api/v1/prompts")
    async def list_prompts(_: web.Request) -> web.Response:
        rows = [
            {"prompt": name, "language": lang, "source": source}
            for (lang, name), source in sorted(library.sources().items())
        ]
        return web.json_response({"prompts": rows})

    @table.put("/api/v1/prompts/{language}/{name}")
    async def upload(request: web.Request) -> web.Response:
        language, name = request.match_info["language"], request.match_info["name"]
        if not _NAME.fullmatch(name) or not re.fullmatch(r"[a-z]{2,3}", language):
            raise bad_request("unknown prompt or language")
        body = await read_body(request, MAX_BYTES)
        try:
            stored = await asyncio.to_thread(library.save_recording, name, language, body)
        except PromptError as exc:
            raise bad_request(str(exc)) from None
        await prompts_store.record_prompt_change(
            engine,
            prompt=name,
            language=language,
            source="upload",
            stored_path=str(stored),
            set_by=user_of(request),
        )
        return web.json_response(
            {"prompt": name, "language": language, "source": "recorded"}, status=201
        )

    return table
