"""*97 on an agent's own phone: their mailbox menu. 1 records the in-office greeting, 2 the
away greeting (each heard back: 1 keeps it, 2 records again, 3 cancels), 3 sets the return
(MMDDHHMM on a 24-hour clock, then #), 4 clears the away status. Staff prompts, first language.

The phone is known by its PJSIP endpoint (its extension), which Asterisk authenticated; only
the agent-phones context sends calls here, and that is checked again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import structlog

from ccc_telephony.asterisk import recordings
from ccc_telephony.asterisk.ari.channel import StasisChannel, phone_extension
from ccc_telephony.asterisk.ari.dispatcher import CallHandler
from ccc_telephony.mailboxes import rules
from ccc_telephony.mailboxes.greetings import media
from ccc_telephony.mailboxes.service import MailboxService
from ccc_telephony.store.mailboxes import GreetingKind, MailboxRecord

log = structlog.get_logger(__name__)

HANDLER = "mailbox-menu"
PHONE_CONTEXT = "ccc-agent-phones"
ATTEMPTS = 3
KEY_TIMEOUT_SECONDS = 6.0
MAX_SILENCE_SECONDS = 4


class MailboxMenu:
    def __init__(self, service: MailboxService, *, prompt: Callable[[str], str | None]) -> None:
        self.service = service
        self.prompt = prompt

    def handlers(self) -> dict[str, CallHandler]:
        return {HANDLER: self.run}

    async def run(self, channel: StasisChannel) -> None:
        await channel.answer()
        extension = phone_extension(channel.name) or ""
        agent = next((a for a in self.service.roster.values() if a.extension == extension), None)
        if agent is None or channel.context != PHONE_CONTEXT:
            log.warning("mailbox menu from a phone that is not an agent's", call_id=channel.id)
            await self.say(channel, "agent_unknown_phone")
        else:
            await self.menu(channel, await self.service.mailbox(agent.id))
        await channel.hangup()

    async def say(self, channel: StasisChannel, *names: str, interruptible: bool = False) -> None:
        found = (self.prompt(name) for name in names)
        await channel.play([uri for uri in found if uri], interruptible=interruptible)

    async def ask(self, channel: StasisChannel, name: str) -> str:
        found = self.prompt(name)
        return await channel.ask_one_digit([found] if found else [], timeout=KEY_TIMEOUT_SECONDS)

    async def menu(self, channel: StasisChannel, mailbox: MailboxRecord) -> None:
        who = f"{mailbox.id} (phone)"
        for _ in range(ATTEMPTS):
            key = await self.ask(channel, "agent_mailbox_menu")
            channel.flush_digits()
            if key in ("1", "2"):
                kind: GreetingKind = "in_office" if key == "1" else "away"
                await self.record_greeting(channel, mailbox, kind, who=who)
                return
            if key == "3" and await self.away_until(channel, mailbox, who=who):
                return
            if key == "4":
                await self.service.set_away(mailbox, None, who=who)
                await self.say(channel, "agent_mailbox_away_cleared")
                return
            await self.say(channel, "agent_mailbox_invalid")

    async def away_until(self, channel: StasisChannel, mailbox: MailboxRecord, *, who: str) -> bool:
        await self.say(channel, "agent_mailbox_away_until", interruptible=True)
        keyed, _ = await channel.read_digits(
            max_digits=8, first_timeout=KEY_TIMEOUT_SECONDS * 2, inter_timeout=5
        )
        until = rules.parse_away(keyed, self.service.now(), self.service.policy.zone)
        if until is None:
            return False
        await self.service.set_away(mailbox, until, who=who)
        await self.say(channel, "agent_mailbox_saved")
        return True

    async def record_greeting(
        self, channel: StasisChannel, mailbox: MailboxRecord, kind: GreetingKind, *, who: str
    ) -> None:
        """Record, hear it back, keep / again / cancel; a take with nothing in it is refused."""
        greetings = self.service.greetings
        for _ in range(ATTEMPTS):
            await self.say(channel, "agent_mailbox_record")
            channel.flush_digits()
            take = await channel.record(
                greetings.take_name(mailbox.id, kind),
                max_seconds=self.service.policy.mailboxes.greeting_max_seconds,
                max_silence_seconds=MAX_SILENCE_SECONDS,
            )
            audio = await asyncio.to_thread(recordings.inspect, greetings.path(take.name))
            if not audio.has_message:
                await asyncio.to_thread(greetings.remove, take.name)
                await self.say(channel, "agent_mailbox_invalid")
                continue
            await channel.play([media(take.name)], interruptible=True)
            choice = await self.ask(channel, "agent_mailbox_review")
            channel.flush_digits()
            if choice == "1":
                await self.service.set_greeting(mailbox, kind, take.name, who=who, how="recorded")
                await self.say(channel, "agent_mailbox_saved")
                return
            await asyncio.to_thread(greetings.remove, take.name)
            if choice != "2":
                return
