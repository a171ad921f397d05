"""The directory in the running service: the snapshot calls read, kept equal to the database.

Calls never wait on the database: the IVR and the transfer routing read `holder.current`, a
frozen Directory. It is the seed file's content until the database answers (so a database
that is down at start leaves the file's directory in force), then the database's, replaced at
once by every edit made through this service and re-read every few seconds, so that edits made
by another instance or straight in the database arrive too. A re-read that finds the tables
breaking the rules keeps the last good snapshot and says so in the log.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import structlog
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.config.directory import Directory, DirectoryHolder, load_directory
from ccc_telephony.directory import http
from ccc_telephony.store import directory as store

log = structlog.get_logger(__name__)

REFRESH_SECONDS = 5.0
# Regenerates the consortium names' sounds for a directory (the composition root knows how).
SpeakNames = Callable[[Directory], Awaitable[None]]


class DirectoryFeature:
    def __init__(
        self,
        *,
        seed_file: Path,
        engine: AsyncEngine,
        speak_names: SpeakNames,
        refresh_seconds: float = REFRESH_SECONDS,
    ) -> None:
        self._seed_file = seed_file
        self._seed = load_directory(seed_file)
        self._engine = engine
        self._speak_names = speak_names
        self.refresh_seconds = refresh_seconds
        self.holder = DirectoryHolder(self._seed)
        self._seeded = False
        # One change of the snapshot at a time: a re-read that started before an edit must
        # not put the older directory back after it.
        self._lock = asyncio.Lock()
        self._speaking = asyncio.Lock()

    # --- reading ------------------------------------------------------------------------------
    async def refresh(self) -> None:
        """Seed an empty database, then take its directory; on any failure keep the current."""
        async with self._lock:
            try:
                await self._ensure_seeded()
                stored = await store.load(self._engine)
            except store.StoredDirectoryInvalid as exc:
                log.error(
                    "the stored directory breaks the rules; keeping the one in force",
                    problems=str(exc)[:2000],
                )
                return
            except Exception as exc:  # the database may be down: calls go on with what we have
                log.warning(
                    "cannot read the directory; keeping the one in force", error=type(exc).__name__
                )
                return
            if stored is None or stored == self.holder.current:
                return
            log.info("directory changed in the database")
            renamed = self._replace(stored)
        if renamed:
            await self._speak()

    async def _ensure_seeded(self) -> None:
        if not self._seeded:
            if await store.seed(self._engine, self._seed, source=str(self._seed_file)):
                log.info("directory seeded from the file", file=str(self._seed_file))
            self._seeded = True

    # --- editing ------------------------------------------------------------------------------
    async def edit(self, edit: store.Edit, audit: store.Change) -> Directory:
        """Apply an admin's edit (the rules raise to refuse it); the snapshot follows at once."""
        async with self._lock:
            await self._ensure_seeded()
            after = await store.change(self._engine, edit, audit)
            renamed = self._replace(after)
        log.info(
            "directory changed", action=audit.action, subject=audit.subject, by=audit.changed_by
        )
        if renamed:
            await self._speak()
        return after

    def _replace(self, directory: Directory) -> bool:
        """Make `directory` the snapshot; whether a consortium's spoken name changed."""
        before, self.holder.current = self.holder.current, directory
        return _names(before) != _names(directory)

    async def _speak(self) -> None:
        """The consortium names' sounds for the snapshot in force (a later edit may have
        replaced the one that renamed), one regeneration at a time. A failure leaves the old
        sounds (a consortium without one is just not named) and is logged."""
        async with self._speaking:
            try:
                await self._speak_names(self.holder.current)
            except Exception as exc:
                log.warning("cannot regenerate the consortium names' sounds", error=str(exc)[:500])

    # --- HTTP ---------------------------------------------------------------------------------
    def routes(self) -> web.RouteTableDef:
        return http.routes(lambda: self.holder.current, self.edit)


def _names(directory: Directory) -> dict[str, str]:
    return {c.id: c.name for c in directory.consortia}
