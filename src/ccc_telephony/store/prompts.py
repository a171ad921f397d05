"""Audit trail of prompt changes made by admins (recorded by phone or uploaded)."""

from __future__ import annotations

from typing import Literal

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.store.tables import prompt_recordings

PromptSource = Literal["phone", "upload"]


async def record_prompt_change(
    engine: AsyncEngine,
    *,
    prompt: str,
    language: str,
    source: PromptSource,
    stored_path: str,
    set_by: str,
) -> int:
    statement = (
        insert(prompt_recordings)
        .values(
            prompt=prompt,
            language=language,
            source=source,
            stored_path=stored_path,
            set_by=set_by,
        )
        .returning(prompt_recordings.c.id)
    )
    async with engine.begin() as conn:
        return int((await conn.execute(statement)).scalar_one())
