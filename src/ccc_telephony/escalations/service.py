"""The lead's side of an escalation: listing follow-ups, and answering them (still researching,
resolved).

The rows are made by the call's own escalation events, in the event writer's transaction
(store/projection.py), so they survive a database outage like every call event. The lead's
answer goes the other way, on one path: the row is moved in one conditional statement (two
leads answering at once cannot both succeed, and the API answers with the row as it now is),
then the call event (`followup_researching`, `followup_resolved`) is emitted, so the answer is
in `call_events` with the rest of the call.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.config.agents import RosterAgent
from ccc_telephony.escalations.rules import (
    MARKABLE_FROM,
    Listing,
    Mark,
    MarkRefused,
    Reader,
    check_mark,
    clean_note,
    reader_of,
)
from ccc_telephony.store import escalations as store
from ccc_telephony.store.escalations import FollowupQuery, FollowupRow
from ccc_telephony.web.auth import Principal

log = structlog.get_logger(__name__)

EmitCall = Callable[[str, str, Mapping[str, Any]], None]
Roster = Callable[[], Mapping[str, RosterAgent]]


class UnknownFollowup(LookupError):
    pass


class NotYours(PermissionError):
    pass


class EscalationService:
    def __init__(
        self,
        *,
        engine: AsyncEngine,
        clock: Callable[[], datetime],
        emit: EmitCall,
        roster: Roster,
    ) -> None:
        """`roster()` is the agents feature's roster now (who leads or supervises whom)."""
        self._engine = engine
        self._clock = clock
        self._emit = emit
        self._roster = roster

    def now(self) -> datetime:
        return self._clock()

    def reader(self, principal: Principal) -> Reader:
        return reader_of(principal, self._roster())

    async def followups(
        self,
        principal: Principal,
        *,
        listing: Listing | None = None,
        agent_id: str | None = None,
        lead_id: str | None = None,
        limit: int = 100,
    ) -> list[FollowupRow]:
        """What the principal may see, soonest due first; `overdue` by the service's clock."""
        overdue = listing == "overdue"
        query = FollowupQuery(
            statuses=("open",) if overdue else () if listing is None else (listing,),
            due_before=self.now() if overdue else None,
            agent_id=agent_id,
            lead_id=lead_id,
            audience=self.reader(principal).audience(),
            limit=limit,
        )
        return await store.followups(self._engine, query)

    async def followup(self, principal: Principal, followup_id: UUID) -> FollowupRow:
        row = await store.followup(self._engine, followup_id)
        if row is None:
            raise UnknownFollowup(str(followup_id))
        if not self.reader(principal).sees(row):
            raise NotYours("only the worker who escalated, their leads and supervisors")
        return row

    async def mark(
        self, principal: Principal, followup_id: UUID, to: Mark, note: str | None
    ) -> FollowupRow:
        """The lead's answer to the worker; refused with the reason if it does not fit."""
        row = await self.followup(principal, followup_id)
        if not self.reader(principal).may_answer(row):
            raise NotYours("only the lead who answered, the worker's leads and supervisors")
        kept = clean_note(note, to)
        check_mark(row.status, to)
        at = self.now()
        marked = await store.mark(
            self._engine,
            followup_id,
            status=to,
            allowed_from=MARKABLE_FROM[to],
            note=kept,
            by=principal.name,
            at=at,
        )
        if marked is None:  # someone else answered it meanwhile: say what it is now
            current = await store.followup(self._engine, followup_id)
            if current is None:
                raise UnknownFollowup(str(followup_id))
            check_mark(current.status, to)
            raise MarkRefused("the follow-up changed meanwhile; look again and retry")
        # Never the note in the log: it may name the caller's circumstances.
        log.info(
            "escalation follow-up answered",
            escalation_id=str(marked.id),
            status=to,
            by=principal.name,
        )
        self._emit(
            marked.call_id,
            f"followup_{to}",
            {
                "escalation_id": str(marked.id),
                "by": principal.name,
                "agent": marked.agent_id,
                "lead": marked.lead_id,
                "note": kept,
            },
        )
        return marked
