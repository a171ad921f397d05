"""Every attempt of a return call is a contact, as the standard wants for failed attempts:
whoever places it (a message returned, a confidential case called back) records it here.

An answered attempt is a conversation like an inbound call: a contact from the moment the
caller answers, with a wrap-up owed (the policy's minutes) once it ends; a failed one (no
answer, busy, failed) is logged whole at once through `WrapupService.failed_attempt`.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.jobs import Later
from ccc_telephony.returns.dialer import Outcome
from ccc_telephony.store import contacts
from ccc_telephony.wrapups.service import WrapupService


class ReturnContacts:
    def __init__(self, *, engine: AsyncEngine, wrapups: WrapupService) -> None:
        self._engine = engine
        self._wrapups = wrapups
        self._later = Later("return call record")

    async def answered(self, agent: str, outcome: Outcome, *, call_id: str | None = None) -> None:
        """The caller answered: a contact now, its wrap-up owed once the call is over. Its
        call is the attempt's channel, or `call_id` (a queue callback: the caller's own call,
        the one they keep their place for)."""
        call = call_id or outcome.channel_id
        await contacts.return_call_answered(
            self._engine, call_id=call, agent_id=agent, at=self._wrapups.now()
        )
        if outcome.ended is not None:
            self._later(self._call_over(agent, call, outcome.ended))

    async def failed(self, agent: str, outcome: Outcome, *, comment: str | None = None) -> None:
        """No answer, busy or failed (an answer that could not be bridged counts as failed)."""
        result = "failed" if outcome.result == "answered" else outcome.result
        await self._wrapups.failed_attempt(
            agent_id=agent,
            call_id=outcome.channel_id,
            outcome=result,
            comment=comment if comment is not None else outcome.reason,
        )

    async def _call_over(self, agent: str, call_id: str, ended: asyncio.Future[str]) -> None:
        await ended
        await contacts.return_call_ended(
            self._engine,
            call_id=call_id,
            agent_id=agent,
            at=self._wrapups.now(),
            due_after=timedelta(minutes=self._wrapups.policy.due_minutes),
        )

    async def settled(self) -> None:
        """Until the records of the calls under way are written (a stopping service, a test)."""
        await self._later.settled()
