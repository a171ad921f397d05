"""Flagging a threat and working its record.

A flag tells the supervisor first and at once (the live feed, then an e-mail sent in the
background so no SMTP server can hold up the agent), then keeps the record: made by the
service now, and by the call's `threat_flagged` event too, so that a flag made while the
database is down is still recorded once it is back (the notice has gone out regardless).

Every look at a record, allowed or refused, is audited before it is answered.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any, Literal
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.config.agents import RosterAgent, supervisors_of
from ccc_telephony.live.feed import Audience
from ccc_telephony.mail import Mailer
from ccc_telephony.store import threats as store
from ccc_telephony.store.threats import NewThreat, ThreatRow
from ccc_telephony.threats.rules import (
    ACCOUNT_MAX_CHARS,
    NOTES_MAX_CHARS,
    AlreadyDecided,
    NotYours,
    Reader,
    notice,
)
from ccc_telephony.web.auth import Principal
from ccc_telephony.web.validation import UnsafeText, free_text

log = structlog.get_logger(__name__)

Source = Literal["code", "api"]
EmitCall = Callable[[str, str, Mapping[str, Any]], None]
Publish = Callable[[str, Mapping[str, Any], Audience], object]
Roster = Callable[[], Mapping[str, RosterAgent]]
CaseNumber = Callable[[str], Awaitable[str | None]]


class UnknownThreat(LookupError):
    pass


class NotRecorded(RuntimeError):
    """The supervisor was told, but the database did not take the record now (503): the
    call's event makes it when the database is back."""


class ThreatService:
    def __init__(
        self,
        *,
        engine: AsyncEngine,
        clock: Callable[[], datetime],
        zone: ZoneInfo,
        emit: EmitCall,
        publish: Publish,
        mailer: Mailer,
        roster: Roster,
        case_number: CaseNumber,
    ) -> None:
        """`case_number(call_id)` finds the caller's case number if the call has one."""
        self._engine = engine
        self._clock = clock
        self._zone = zone
        self._emit = emit
        self._publish = publish
        self._mailer = mailer
        self._roster = roster
        self._case_number = case_number
        self._mailing: set[asyncio.Task[None]] = set()

    def reader(self, principal: Principal) -> Reader:
        return Reader(principal, self._roster())

    # --- flagging ---------------------------------------------------------------------------
    async def flag(
        self, agent: RosterAgent, call_id: str, *, by: str, source: Source
    ) -> tuple[ThreatRow, bool]:
        """The call's threat record, and whether this flag made it (a call is flagged once;
        flagging again answers with its record and tells nobody twice)."""
        supervisors = supervisors_of(agent, self._roster())
        new = NewThreat(
            id=uuid4(),
            call_id=call_id,
            case_number=await self._case_number(call_id),
            agent_id=agent.id,
            supervisor_ids=[s.id for s in supervisors],
            flagged_at=self._clock(),
            flagged_by=by,
            source=source,
        )
        try:
            row, made = await store.flag(self._engine, new)
        except Exception as exc:
            log.error("threat not recorded now", call_id=call_id, error=type(exc).__name__)
            self._tell(new.as_row(), supervisors)
            raise NotRecorded(
                "the supervisor was told; the record is kept when the database is back"
            ) from None
        if made:
            self._tell(row, supervisors)
        return row, made

    def _tell(self, threat: ThreatRow, supervisors: list[RosterAgent]) -> None:
        log.warning("threat flagged", call_id=threat.call_id, agent=threat.agent_id)
        self._emit(
            threat.call_id,
            "threat_flagged",
            {
                "threat_id": str(threat.id),
                "agent": threat.agent_id,
                "supervisors": list(threat.supervisor_ids),
                "case_number": threat.case_number,
                "source": threat.source,
                "by": threat.flagged_by,
            },
        )
        self._publish(
            "threat_flagged",
            {
                "threat_id": str(threat.id),
                "call_id": threat.call_id,
                "case_number": threat.case_number,
                "agent": threat.agent_id,
            },
            Audience.people(threat.agent_id, *threat.supervisor_ids),
        )
        task = asyncio.create_task(self._mail(threat, supervisors))
        self._mailing.add(task)
        task.add_done_callback(self._mailing.discard)

    async def _mail(self, threat: ThreatRow, supervisors: list[RosterAgent]) -> None:
        to = [s.email for s in supervisors if s.email]
        subject, body = notice(threat, self._roster().get(threat.agent_id), self._zone)
        sent = await self._mailer.send(to, subject, body, ids=[threat.call_id])
        if not sent.ok:
            log.warning("threat e-mail not sent", call_id=threat.call_id, why=sent.error)
        try:
            await store.emailed(
                self._engine,
                threat.id,
                to=to if sent.ok else [],
                at=self._clock() if sent.ok else None,
                error=sent.error,
            )
        except Exception as exc:
            log.warning("cannot note the threat e-mail", error=type(exc).__name__)

    async def mail_sent(self) -> None:
        """Wait for the e-mails under way (a stopping service, a test)."""
        if self._mailing:
            await asyncio.gather(*self._mailing, return_exceptions=True)

    # --- the record -------------------------------------------------------------------------
    async def threats(self, principal: Principal, *, limit: int) -> list[ThreatRow]:
        reader = self.reader(principal)
        agents = reader.supervised()
        rows = await store.listing(self._engine, agents=agents, supervisor=reader.me, limit=limit)
        rows = [row for row in rows if reader.sees(row)]
        await self._audit(principal, "list", allowed=True, threats=[row.id for row in rows])
        return rows

    async def threat(self, principal: Principal, threat_id: UUID) -> ThreatRow:
        return await self._allowed(principal, threat_id, "read", Reader.sees)

    async def write_account(self, principal: Principal, threat_id: UUID, text: str) -> ThreatRow:
        """The agent's account of the words, replacing the last, until the decision."""
        account = free_text(text, field="account", max_chars=ACCOUNT_MAX_CHARS)
        if account is None:
            raise UnsafeText("account: the words said are required")
        row = await self._allowed(principal, threat_id, "account", Reader.may_write_account)
        if row.decided:
            raise AlreadyDecided("the supervisor has decided: the account is closed")
        written = await store.write_account(self._engine, threat_id, account, self._clock())
        if written is None:
            raise AlreadyDecided("the supervisor has decided: the account is closed")
        return written

    async def decide(
        self, principal: Principal, threat_id: UUID, *, reported: bool, notes: str | None
    ) -> ThreatRow:
        kept = free_text(notes, field="notes", max_chars=NOTES_MAX_CHARS)
        row = await self._allowed(principal, threat_id, "decide", Reader.may_decide)
        if row.decided:
            raise AlreadyDecided(f"decided already, by {row.decided_by}")
        decided = await store.decide(
            self._engine,
            threat_id,
            reported=reported,
            notes=kept,
            by=principal.who,
            at=self._clock(),
        )
        if decided is None:
            raise AlreadyDecided("decided meanwhile; look again")
        self._emit(
            row.call_id,
            "threat_decided",
            {
                "threat_id": str(row.id),
                "reported_to_law_enforcement": reported,
                "by": principal.name,
            },
        )
        return decided

    async def _allowed(
        self,
        principal: Principal,
        threat_id: UUID,
        action: str,
        rule: Callable[[Reader, ThreatRow], bool],
    ) -> ThreatRow:
        row = await store.threat(self._engine, threat_id)
        if row is None:
            await self._audit(principal, action, allowed=False, threats=[threat_id])
            raise UnknownThreat(str(threat_id))
        allowed = rule(self.reader(principal), row)
        await self._audit(principal, action, allowed=allowed, threats=[row.id])
        if not allowed:
            log.warning("threat record refused", who=principal.who, action=action)
            raise NotYours("only the agent, their supervisor and the admin")
        return row

    async def _audit(
        self, principal: Principal, action: str, *, allowed: bool, threats: list[UUID]
    ) -> None:
        await store.audit(
            self._engine,
            who=principal.who,
            action=action,
            allowed=allowed,
            at=self._clock(),
            threat_ids=list(threats),
        )
