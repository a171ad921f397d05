"""Telephonic signatures in the running service: the ledger's service, its HTTP routes, and
at start-up the captures a previous run left open, sealed as incomplete (nothing is lost)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import structlog
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.config.policy import Policy
from ccc_telephony.prompts.library import PromptLibrary
from ccc_telephony.signatures import http
from ccc_telephony.signatures.service import EmitCall, SignatureService
from ccc_telephony.signatures.vault import Vault

log = structlog.get_logger(__name__)


class SignaturesFeature:
    def __init__(
        self,
        *,
        engine: AsyncEngine,
        policy: Policy,
        library: PromptLibrary,
        clock: Callable[[], datetime],
        emit: EmitCall,
        signatures_dir: Path,
        recordings_dir: Path,
    ) -> None:
        self.service = SignatureService(
            engine=engine,
            vault=Vault(signatures_dir),
            policy=policy,
            library=library,
            clock=clock,
            emit=emit,
            recordings_dir=recordings_dir,
        )

    async def close_left_open(self) -> None:
        """Captures open in the database but held by no one: the service stopped mid-capture.
        A database that is down now is retried by the job that calls this."""
        closed = await self.service.close_open()
        if closed:
            log.warning("signature captures left open were sealed incomplete", count=closed)

    def routes(self) -> web.RouteTableDef:
        return http.routes(self.service)
