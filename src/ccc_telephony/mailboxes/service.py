"""The mailboxes' service: finding a caller's mailbox, taking a message into the message book,
the message-waiting light, greetings and away status, flags, and management access.

Every access to a mailbox by a person (a listing, a listen, a take-over, a greeting or away
change, a delegate named, a disconnection) is a `mailbox_access` row, refusals included.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.asterisk import mwi
from ccc_telephony.asterisk.ami import Ami
from ccc_telephony.config.agents import RosterAgent, supervisors_of
from ccc_telephony.config.policy import Policy
from ccc_telephony.live.feed import Audience, LiveFeed
from ccc_telephony.mailboxes import rules
from ccc_telephony.mailboxes.greetings import Greetings
from ccc_telephony.messages.book import SYSTEM, MessageBook
from ccc_telephony.store import mailboxes as store
from ccc_telephony.store.mailboxes import GreetingKind, MailboxRecord
from ccc_telephony.store.messages import OPEN_STATES, MessageQuery, MessageRow
from ccc_telephony.web.auth import Principal

log = structlog.get_logger(__name__)

Roster = Callable[[], Mapping[str, RosterAgent]]


class NotAllowed(Exception):
    """The principal may not do this to this mailbox (audited as refused)."""


class UnknownMailbox(LookupError):
    pass


class MailboxService:
    def __init__(
        self,
        *,
        engine: AsyncEngine,
        clock: Callable[[], datetime],
        policy: Policy,
        book: MessageBook,
        roster: Roster,
        live: LiveFeed,
        ami: Ami,
        greetings: Greetings,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self.policy = policy
        self.book = book
        self._roster = roster
        self._live = live
        self._ami = ami
        self.greetings = greetings
        self._delegates: dict[str, frozenset[str]] = {}
        self._departed: dict[str, RosterAgent] = {}  # as of the last check
        book.on_change = self.update_light

    def now(self) -> datetime:
        return self._clock()

    @property
    def roster(self) -> Mapping[str, RosterAgent]:
        return self._roster()

    # --- mailboxes --------------------------------------------------------------------------
    async def at_extension(self, extension: str) -> MailboxRecord | None:
        return await store.at_extension(self._engine, extension)

    async def mailbox(self, mailbox_id: str) -> MailboxRecord:
        found = await store.find(self._engine, mailbox_id)
        if found is None:
            raise UnknownMailbox(mailbox_id)
        return found

    async def every(self) -> list[MailboxRecord]:
        return await store.every(self._engine)

    def delegates(self, mailbox: str) -> frozenset[str]:
        """Whom the mailbox's supervisors named to handle its messages (as last loaded)."""
        return self._delegates.get(mailbox, frozenset())

    def handlers(self, mailbox: str) -> frozenset[str]:
        """Who may handle the mailbox's messages besides their owner, the agent and the
        roster's supervisors of both (messages/access.py): the delegates, and for a departed
        agent's mailbox their supervisors (the agent is no longer in the roster, so access
        cannot find them through it)."""
        departed = self._departed.get(mailbox)
        heads = supervisors_of(departed, self.roster) if departed is not None else []
        return self.delegates(mailbox) | {head.id for head in heads}

    async def load_delegates(self) -> None:
        self._delegates = await store.delegates(self._engine)

    # --- a caller's message -----------------------------------------------------------------
    async def take_message(
        self,
        mailbox: MailboxRecord,
        *,
        call_id: str,
        recording: str,
        seconds: float,
        caller_number: str,
        language: str,
    ) -> MessageRow:
        """Into the message book, owned by the agent (a departed agent's: their supervisor);
        the book refreshes the phone's light."""
        return await self.book.take(
            source="mailbox",
            mailbox=mailbox.id,
            owner=rules.owner_of(mailbox, self.roster),
            queue=self.policy.agents.team_queues.get(mailbox.agent.team),
            call_id=call_id,
            recording=recording,
            language=language,
            caller_number=caller_number,
            duration_seconds=seconds,
            received_at=self.now(),
        )

    # --- message waiting --------------------------------------------------------------------
    async def update_light(self, mailbox: str) -> None:
        """The mailbox's counts as they are now, to Asterisk (the phone's NOTIFY)."""
        counts = await self.book.counts(mailbox)
        await mwi.publish(self._ami, mailbox, new=counts.new, old=counts.old)

    async def update_every_light(self) -> None:
        """Asterisk keeps the counts in memory only: after it (re)started, all of them."""
        if not self._ami.authenticated:
            return
        for mailbox in await self.every():
            if mailbox.active:
                await self.update_light(mailbox.id)

    # --- greetings and away -----------------------------------------------------------------
    async def set_greeting(
        self, mailbox: MailboxRecord, kind: GreetingKind, name: str, *, who: str, how: str
    ) -> None:
        """A greeting recorded (by phone) or uploaded: callers hear it from the next call."""
        await store.update_mailbox(
            self._engine,
            mailbox.id,
            self.now(),
            **{f"greeting_{kind}": name, f"greeting_{kind}_at": self.now()},
        )
        await asyncio.to_thread(self.greetings.remove, mailbox.greeting(kind))
        await self.audit(who, mailbox.id, "greeting_" + how, details={"kind": kind})
        await self.check_one(await self.mailbox(mailbox.id))

    async def set_away(self, mailbox: MailboxRecord, until: datetime | None, *, who: str) -> None:
        """Away until a moment (the away greeting plays until then), or back (None). A
        recorded away greeting made for the previous date is cleared (not merely flagged):
        it would tell callers a wrong return, while the spoken greeting says the new one
        until the agent records again."""
        outdated = rules.away_greeting_outdated(mailbox, until)
        values: dict[str, Any] = {"away_until": until, "away_set_by": who}
        if outdated:
            values |= {"greeting_away": None, "greeting_away_at": None}
        await store.update_mailbox(self._engine, mailbox.id, self.now(), **values)
        if outdated:
            await asyncio.to_thread(self.greetings.remove, mailbox.greeting_away)
        details = {
            "until": None if until is None else until.isoformat(),
            "away_greeting_cleared": outdated,
        }
        await self.audit(who, mailbox.id, "away_set" if until else "away_cleared", details=details)
        await self.check_one(await self.mailbox(mailbox.id))

    # --- the check: flags, departed agents ----------------------------------------------------
    async def check_mailboxes(self) -> None:
        """The check job's step (tests call it after moving the clock or the roster): every
        mailbox's greeting judged now (a new problem is told once to the agent and their
        supervisors), and a departed agent's open messages handed to their supervisor."""
        everyone = await self.every()
        self._departed = {m.id: m.agent for m in everyone if not m.active}
        for mailbox in everyone:
            await self.check_one(mailbox)
            if not mailbox.active:
                await self.hand_over(mailbox)

    async def hand_over(self, mailbox: MailboxRecord) -> list[MessageRow]:
        """A departed agent's open messages (all they own, from any mailbox) now owned by
        their supervisor, each a `handed_over` action: someone in the roster must return
        them, and the pre-due flag and the day's list then reach that person."""
        owner = rules.owner_of(mailbox, self.roster)
        if mailbox.active or owner is None:
            return []
        handed = []
        query = MessageQuery(owners=[mailbox.id], states=OPEN_STATES)
        for row in await self.book.find(query):
            changed = await self.book.mark(
                row.id,
                who=SYSTEM,
                action="handed_over",
                values={"owner": owner},
                details={"from": mailbox.id, "because": "departed"},
                only_from=OPEN_STATES,
            )
            if changed is not None:
                handed.append(changed)
        if handed:
            log.info("departed agent's messages handed over", mailbox=mailbox.id, to=owner)
        return handed

    async def check_one(self, mailbox: MailboxRecord) -> None:
        flag = rules.flag_of(mailbox, self.now())
        if flag == mailbox.flagged:
            return
        await store.update_mailbox(
            self._engine, mailbox.id, self.now(), flagged=flag, flagged_at=self.now()
        )
        if flag is None:
            return
        log.info("mailbox flagged", mailbox=mailbox.id, flag=flag)
        heads = rules.managers_of(mailbox, self.roster)
        self._live.publish(
            "mailbox_flagged",
            describe_flag(mailbox, flag),
            Audience.people(mailbox.id, *heads),
        )

    async def flagged(self, principal: Principal) -> list[dict[str, Any]]:
        """The mailboxes flagged now that the principal may see (theirs, their staff's)."""
        now = self.now()
        found = []
        for mailbox in await self.every():
            flag = rules.flag_of(mailbox, now)
            if flag is not None and self.may_see(principal, mailbox):
                found.append(describe_flag(mailbox, flag))
        return found

    def may_see(self, principal: Principal, mailbox: MailboxRecord) -> bool:
        return principal.agent_id == mailbox.id or self.may_manage(principal, mailbox)

    # --- management -------------------------------------------------------------------------
    def may_manage(self, principal: Principal, mailbox: MailboxRecord) -> bool:
        return rules.may_manage(principal, mailbox, self.roster, self.delegates(mailbox.id))

    async def require(self, principal: Principal, mailbox: MailboxRecord, action: str) -> None:
        """NotAllowed (audited) unless the principal may manage the mailbox."""
        if not self.may_manage(principal, mailbox):
            await self.audit(principal.who, mailbox.id, action, allowed=False)
            raise NotAllowed(action)

    async def messages(self, principal: Principal, mailbox: MailboxRecord) -> list[MessageRow]:
        await self.require(principal, mailbox, "listed")
        rows = await self.book.find(MessageQuery(mailboxes=[mailbox.id]))
        await self.audit(principal.who, mailbox.id, "listed", details={"count": len(rows)})
        return rows

    async def listen(
        self, principal: Principal, mailbox: MailboxRecord, message_id: int
    ) -> MessageRow:
        """A message's recording is about to be read: audited here (the route then records it
        in the message's own history through ReturnCalls.listened)."""
        await self.require(principal, mailbox, "listened")
        row = await self.book.get(message_id)
        if row is None or row.mailbox != mailbox.id:
            raise LookupError(message_id)
        await self.audit(principal.who, mailbox.id, "listened", message_id=message_id)
        return row

    async def take_over(
        self, principal: Principal, mailbox: MailboxRecord, message_ids: list[int] | None
    ) -> list[MessageRow]:
        """The principal owns these (default: every open one) of an absent agent's messages."""
        await self.require(principal, mailbox, "taken_over")
        owner = principal.agent_id
        if owner is None:
            raise NotAllowed("the admin returns no calls: take over as a supervisor")
        query = MessageQuery(mailboxes=[mailbox.id], states=OPEN_STATES)
        open_rows = {row.id: row for row in await self.book.find(query)}
        wanted = list(open_rows) if message_ids is None else message_ids
        taken = []
        for message_id in wanted:
            if message_id not in open_rows or open_rows[message_id].owner == owner:
                continue
            row = await self.book.mark(
                message_id,
                who=principal.who,
                action="taken_over",
                values={"owner": owner},
                details={"from": open_rows[message_id].owner},
            )
            if row is not None:
                taken.append(row)
        await self.audit(
            principal.who, mailbox.id, "taken_over", details={"messages": [r.id for r in taken]}
        )
        return taken

    async def name_delegate(
        self, principal: Principal, mailbox: MailboxRecord, delegate: str, *, add: bool
    ) -> None:
        """A supervisor (or the admin) names, or removes, someone who may handle the
        mailbox's messages."""
        allowed = principal.is_admin or principal.agent_id in rules.managers_of(
            mailbox, self.roster
        )
        action = "delegate_named" if add else "delegate_removed"
        if not allowed:
            await self.audit(principal.who, mailbox.id, action, allowed=False)
            raise NotAllowed(action)
        if add:
            await store.name_delegate(
                self._engine, mailbox.id, delegate, by=principal.who, at=self.now()
            )
        else:
            await store.remove_delegate(self._engine, mailbox.id, delegate)
        await self.load_delegates()
        await self.audit(principal.who, mailbox.id, action, details={"delegate": delegate})

    async def disconnect(self, principal: Principal, mailbox: MailboxRecord) -> None:
        """A departed agent's mailbox stops answering (admin only): the extension then says
        it is not in service and offers the operator."""
        if not principal.is_admin:
            await self.audit(principal.who, mailbox.id, "disconnected", allowed=False)
            raise NotAllowed("disconnect")
        if mailbox.active:
            raise ValueError("the agent is in the roster: remove them first")
        await store.update_mailbox(
            self._engine,
            mailbox.id,
            self.now(),
            disconnected_at=self.now(),
            disconnected_by=principal.who,
        )
        await self.audit(principal.who, mailbox.id, "disconnected")

    async def keep_greeting(self, principal: Principal, mailbox: MailboxRecord, keep: bool) -> None:
        """Whether a departed agent's callers hear their recorded in-office greeting (kept)
        or the spoken "no longer here" one (the default), admin only, like the disconnection;
        it may be set before the agent leaves."""
        action = "greeting_kept" if keep else "greeting_not_kept"
        if not principal.is_admin:
            await self.audit(principal.who, mailbox.id, action, allowed=False)
            raise NotAllowed(action)
        await store.update_mailbox(self._engine, mailbox.id, self.now(), keep_greeting=keep)
        await self.audit(principal.who, mailbox.id, action)

    async def audit(
        self,
        who: str,
        mailbox: str,
        action: str,
        *,
        allowed: bool = True,
        message_id: int | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        await store.audit(
            self._engine,
            at=self.now(),
            who=who,
            mailbox=mailbox,
            action=action,
            allowed=allowed,
            message_id=message_id,
            details=details,
        )


def describe_flag(mailbox: MailboxRecord, flag: str) -> dict[str, Any]:
    return {
        "mailbox": mailbox.id,
        "flag": flag,
        "away_until": None if mailbox.away_until is None else mailbox.away_until.isoformat(),
    }
