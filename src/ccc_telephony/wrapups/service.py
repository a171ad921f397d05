"""Recording wrap-ups, listing those missing, and logging failed outbound attempts.

The contacts themselves come from the call's queue events (store/projection.py): an agent
owes a wrap-up for every call they answered, due the policy's wrap-up time after their part
ended. Which moment counts as "now" is the service's clock.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.config.agents import RosterAgent
from ccc_telephony.config.conduct import Wrapups
from ccc_telephony.store import contacts as store
from ccc_telephony.store.contacts import CONVERSATIONS, ContactRow, Wrapup
from ccc_telephony.web.auth import Principal
from ccc_telephony.web.validation import free_text
from ccc_telephony.wrapups.rules import COMMENT_MAX_CHARS, AttemptOutcome, checked, whose

log = structlog.get_logger(__name__)

Roster = Callable[[], Mapping[str, RosterAgent]]
MISSING_LIMIT = 500


class NotTheirCall(LookupError):
    """The agent did not take that call (404)."""


class WrapupService:
    def __init__(
        self,
        *,
        engine: AsyncEngine,
        clock: Callable[[], datetime],
        policy: Wrapups,
        roster: Roster,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self.policy = policy
        self._roster = roster

    def now(self) -> datetime:
        return self._clock()

    async def contact(self, agent_id: str, call_id: str) -> ContactRow:
        found = await store.contact(self._engine, CONVERSATIONS, call_id, agent_id)
        if found is None:
            raise NotTheirCall(f"{agent_id} did not take call {call_id}")
        return found

    async def record(
        self,
        agent_id: str,
        call_id: str,
        *,
        by: str,
        disposition: str,
        comment: str | None,
        first_contact_resolved: bool,
        interpreter_used: bool,
        abusive_note: str | None,
    ) -> ContactRow:
        """The wrap-up of the agent's part of the call (recorded again: corrected)."""
        contact = await self.contact(agent_id, call_id)
        wrapup = checked(
            contact,
            self.policy.dispositions,
            disposition=disposition,
            comment=comment,
            first_contact_resolved=first_contact_resolved,
            interpreter_used=interpreter_used,
            abusive_note=abusive_note,
        )
        recorded = await store.record(self._engine, contact.id, wrapup, by=by, at=self.now())
        if recorded is None:
            raise NotTheirCall(f"{agent_id} did not take call {call_id}")
        log.info("wrap-up recorded", call_id=call_id, agent=agent_id, by=by)
        return recorded

    async def missing(self, agent_ids: frozenset[str] | None) -> list[ContactRow]:
        """Contacts of these agents (None: everyone's) past their wrap-up time without one."""
        return await store.missing(
            self._engine, agents=agent_ids, now=self.now(), limit=MISSING_LIMIT
        )

    def followed_by(self, principal: Principal) -> frozenset[str] | None:
        return whose(principal, self._roster())

    async def failed_attempt(
        self,
        *,
        agent_id: str,
        call_id: str,
        outcome: AttemptOutcome,
        comment: str | None = None,
    ) -> ContactRow:
        """Log a failed outbound attempt to reach someone (the return-call issue calls this
        for every attempt that did not reach the person): a contact, logged at once.
        `call_id` names the attempt (its channel id); ValueError if it is logged already,
        UnsafeText if the comment holds what no record may (an SSN, control characters)."""
        wrapup = Wrapup(
            disposition=outcome,
            comment=free_text(comment, field="comment", max_chars=COMMENT_MAX_CHARS),
            first_contact_resolved=None,
            interpreter_used=None,
        )
        return await store.failed_attempt(
            self._engine,
            call_id=call_id,
            agent_id=agent_id,
            at=self.now(),
            wrapup=wrapup,
            by=agent_id,
        )
