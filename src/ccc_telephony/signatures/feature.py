"""Telephonic signatures in the running service: the ledger's service and its HTTP routes, the
captures taken on agents' calls (their snoop channels' Stasis handler), and a background job
that seals the captures a previous run left open and ends those in progress when the service
stops (incomplete, never lost)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.asterisk.ami import Ami
from ccc_telephony.asterisk.ari.client import AriClient
from ccc_telephony.asterisk.ari.dispatcher import CallHandler
from ccc_telephony.config.policy import Policy
from ccc_telephony.prompts.library import PromptLibrary
from ccc_telephony.signatures import http
from ccc_telephony.signatures.capture import Captures
from ccc_telephony.signatures.service import EmitCall, SignatureService
from ccc_telephony.signatures.vault import Vault


class SignaturesFeature:
    def __init__(
        self,
        *,
        engine: AsyncEngine,
        policy: Policy,
        library: PromptLibrary,
        clock: Callable[[], datetime],
        emit: EmitCall,
        ari: AriClient,
        ami: Ami,
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
        self.captures = Captures(service=self.service, ari=ari, ami=ami)

    def stasis_handlers(self) -> dict[str, CallHandler]:
        return self.captures.handlers()

    async def run(self) -> None:
        """The feature's background job (see Captures.run)."""
        await self.captures.run()

    def routes(self) -> web.RouteTableDef:
        return http.routes(self.service)
