"""*97 on an agent's own phone: their mailbox menu. 1 records the in-office greeting, 2 the
away greeting (each heard back: 1 keeps it, 2 records again, 3 cancels), 3 sets the return
(MMDDHHMM on a 24-hour clock, then #), 4 clears the away status, 5 plays the messages they
must return (the oldest new one first; after each, 1 calls that caller back), 6 calls back
the caller of their oldest unreturned message. Staff prompts, first language.

A message heard here is read as through the audio route: a `listened` action, and the owner's
first listen marks it heard. A call back is the return-call path (`ReturnCalls.start`): the
menu says so and hangs up, then the agent's own phone rings and the caller is dialled through
the carrier; ringing the phone while the menu still holds it would be a call waiting on most
desk phones. Each step is a call event of the menu's call, so that what happened on the phone
is on record (and a test knows which prompt is playing).

The phone is known by its PJSIP endpoint (its extension), which Asterisk authenticated; only
the agent-phones context sends calls here, and that is checked again.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

import structlog

from ccc_telephony.agents.access import API_ROLES
from ccc_telephony.asterisk import recordings
from ccc_telephony.asterisk.ari.channel import CallerGone, StasisChannel, phone_extension
from ccc_telephony.asterisk.ari.dispatcher import CallHandler
from ccc_telephony.config.agents import RosterAgent
from ccc_telephony.mailboxes import rules
from ccc_telephony.mailboxes.greetings import media
from ccc_telephony.mailboxes.service import MailboxService
from ccc_telephony.mailboxes.stasis import Emit
from ccc_telephony.returns.dialer import DialerError
from ccc_telephony.returns.service import ReturnCalls, ReturnError
from ccc_telephony.store.mailboxes import GreetingKind, MailboxRecord
from ccc_telephony.store.messages import OPEN_STATES, MessageQuery, MessageRow
from ccc_telephony.web.auth import Principal

log = structlog.get_logger(__name__)

HANDLER = "mailbox-menu"
PHONE_CONTEXT = "ccc-agent-phones"
ATTEMPTS = 3
KEY_TIMEOUT_SECONDS = 6.0
MAX_SILENCE_SECONDS = 4
CALL_BACK = "1"  # after a message: call this caller back now


class MailboxMenu:
    def __init__(
        self,
        service: MailboxService,
        *,
        prompt: Callable[[str], str | None],
        emit: Emit,
        returns: ReturnCalls,
    ) -> None:
        self.service = service
        self.prompt = prompt
        self.emit = emit
        self.returns = returns

    def handlers(self) -> dict[str, CallHandler]:
        return {HANDLER: self.run}

    async def run(self, channel: StasisChannel) -> None:
        await channel.answer()
        extension = phone_extension(channel.name) or ""
        agent = next((a for a in self.service.roster.values() if a.extension == extension), None)
        if agent is None or channel.context != PHONE_CONTEXT:
            log.warning("mailbox menu from a phone that is not an agent's", call_id=channel.id)
            await MenuCall(self, channel, None).say("agent_unknown_phone")
            await channel.hangup()
            return
        call = MenuCall(self, channel, agent)
        call.note("mailbox_menu_started", caller_number=channel.caller_number)
        outcome, call_back = await call.menu(await self.service.mailbox(agent.id))
        await channel.hangup()
        if call_back is not None:
            outcome = await call.call_back(call_back)
        call.note("mailbox_menu_ended", outcome=outcome)


class MenuCall:
    """One agent at their mailbox menu."""

    def __init__(self, menu: MailboxMenu, channel: StasisChannel, agent: RosterAgent | None):
        self.owner = menu
        self.service = menu.service
        self.channel = channel
        self.agent = agent

    @property
    def principal(self) -> Principal:
        """The agent as the phone authenticated them, with their roster role."""
        assert self.agent is not None
        return Principal(
            name=f"{self.agent.id} (phone)",
            role=API_ROLES[self.agent.role],
            agent_id=self.agent.id,
        )

    def note(self, name: str, **details: Any) -> None:
        mailbox = self.agent.id if self.agent else None
        self.owner.emit(self.channel.id, name, {"mailbox": mailbox, **details})

    async def say(self, *names: str, interruptible: bool = False) -> None:
        found = (self.owner.prompt(name) for name in names)
        await self.channel.play([uri for uri in found if uri], interruptible=interruptible)

    async def ask(self, name: str) -> str:
        found = self.owner.prompt(name)
        return await self.channel.ask_one_digit(
            [found] if found else [], timeout=KEY_TIMEOUT_SECONDS
        )

    async def menu(self, mailbox: MailboxRecord) -> tuple[str, int | None]:
        """The outcome, and the message to call back once the menu has hung up (if any)."""
        who = self.principal.who
        for _ in range(ATTEMPTS):
            key = await self.ask("agent_mailbox_menu")
            self.channel.flush_digits()
            if key in ("1", "2"):
                kind: GreetingKind = "in_office" if key == "1" else "away"
                return await self.record_greeting(mailbox, kind, who=who), None
            if key == "3" and await self.away_until(mailbox, who=who):
                return "away_set", None
            if key == "4":
                await self.service.set_away(mailbox, None, who=who)
                self.note("mailbox_away_cleared")
                await self.say("agent_mailbox_away_cleared")
                return "away_cleared", None
            if key == "5":
                return "heard", await self.hear_messages()
            if key == "6":
                return "no_messages", await self.oldest_to_return()
            await self.say("agent_mailbox_invalid")
        return "too_many_failures", None

    async def away_until(self, mailbox: MailboxRecord, *, who: str) -> bool:
        await self.say("agent_mailbox_away_until", interruptible=True)
        keyed, _ = await self.channel.read_digits(
            max_digits=8, first_timeout=KEY_TIMEOUT_SECONDS * 2, inter_timeout=5
        )
        until = rules.parse_away(keyed, self.service.now(), self.service.policy.zone)
        if until is None:
            return False
        await self.service.set_away(mailbox, until, who=who)
        self.note("mailbox_away_set", until=until.isoformat())
        await self.say("agent_mailbox_saved")
        return True

    async def record_greeting(self, mailbox: MailboxRecord, kind: GreetingKind, *, who: str) -> str:
        """Record, hear it back, keep / again / cancel; a take with nothing in it is refused."""
        greetings = self.service.greetings
        for take_number in range(1, ATTEMPTS + 1):
            await self.say("agent_mailbox_record")
            self.channel.flush_digits()
            self.note("mailbox_greeting_recording", kind=kind, take=take_number)
            take = await self.channel.record(
                greetings.take_name(mailbox.id, kind),
                max_seconds=self.service.policy.mailboxes.greeting_max_seconds,
                max_silence_seconds=MAX_SILENCE_SECONDS,
            )
            self.channel.flush_digits()  # the # that ended the take answers nothing else
            audio = await asyncio.to_thread(recordings.inspect, greetings.path(take.name))
            if not audio.has_message:
                await asyncio.to_thread(greetings.remove, take.name)
                self.note("mailbox_greeting_rejected", kind=kind, take=take_number)
                await self.say("agent_mailbox_invalid")
                continue
            self.note("mailbox_greeting_review", kind=kind, take=take_number, seconds=audio.seconds)
            await self.channel.play([media(take.name)], interruptible=True)
            choice = await self.ask("agent_mailbox_review")
            self.channel.flush_digits()
            if choice == "1":
                await self.service.set_greeting(mailbox, kind, take.name, who=who, how="recorded")
                self.note("mailbox_greeting_saved", kind=kind, recording=take.name)
                await self.say("agent_mailbox_saved")
                return "greeting_saved"
            await asyncio.to_thread(greetings.remove, take.name)
            if choice != "2":
                return "greeting_cancelled"
        return "greeting_not_recorded"

    # --- messages ---------------------------------------------------------------------------
    async def to_return(self) -> list[MessageRow]:
        """The open messages the agent owns (must return)."""
        query = MessageQuery(owners=[self.principal.agent_id or ""], states=OPEN_STATES)
        return await self.service.book.find(query)

    async def hear_messages(self) -> int | None:
        """Each message in turn (a `listened` action; the first listen marks it heard); after
        one, `1` calls that caller back (returned: its id). Any other key, or none, the next."""
        for row in rules.hearing_order(await self.to_return()):
            self.channel.flush_digits()
            self.note("mailbox_message_playing", message_id=row.id, state=row.state)
            await self.channel.play([media(row.recording)], interruptible=True)
            await self.owner.returns.listened(self.principal, row)
            key = await self.ask("agent_mailbox_after_message")
            if key == CALL_BACK:
                return await self.returning(row)
        await self.say("agent_mailbox_no_messages")
        return None

    async def oldest_to_return(self) -> int | None:
        """The oldest unreturned message whose caller can be called back (an anonymous one is
        returned by hand, from the API)."""
        callable_back = rules.oldest_to_call_back(
            await self.to_return(), self.service.policy.returns.dial_back
        )
        if callable_back is None:
            await self.say("agent_mailbox_no_messages")
            return None
        return await self.returning(callable_back)

    async def returning(self, row: MessageRow) -> int:
        """Told to hang up for the call back: hanging up as told does not cancel it."""
        self.note("mailbox_return_requested", message_id=row.id)
        with contextlib.suppress(CallerGone):
            await self.say("agent_mailbox_returning")
        return row.id

    async def call_back(self, message_id: int) -> str:
        """After the menu hung up: the return call (the phone rings, then the caller)."""
        try:
            attempt = await self.owner.returns.start(self.principal, message_id)
        except (ReturnError, DialerError) as exc:
            log.warning("return call from the mailbox menu refused", message=message_id)
            self.note("mailbox_return_refused", message_id=message_id, reason=str(exc)[:200])
            return "return_refused"
        self.note("mailbox_return_started", message_id=message_id, attempt=attempt.tag)
        return "return_started"
