"""A caller at a staff mailbox, in the order they hear it: the greeting (the agent's own, else
the spoken one: never silence), `#` to reach someone now when the agent is away, the tone,
their message, thanks. Each step is a call event of the call, as in the IVR.

Reached by the direct number (`Stasis(<app>,mailbox,<extension>)` from the generated
dialplan) or from the IVR (the same handler, with the caller's language on the channel).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import structlog

from ccc_telephony.asterisk import recordings
from ccc_telephony.asterisk.ari.channel import StasisChannel
from ccc_telephony.asterisk.ari.dispatcher import CallHandler, Watcher
from ccc_telephony.mailboxes import rules
from ccc_telephony.mailboxes.greetings import media
from ccc_telephony.mailboxes.service import MailboxService
from ccc_telephony.store.mailboxes import MailboxRecord

log = structlog.get_logger(__name__)

HANDLER = "mailbox"  # Stasis(<app>,mailbox,<extension>,<language>)
QUEUE_CONTEXT = "ccc-queue"
HASH_WAIT_SECONDS = 5.0
_SAFE_NAME = re.compile(r"[^A-Za-z0-9_-]")

Emit = Callable[[str, str, Mapping[str, Any]], None]
Prompt = Callable[[str, str], str | None]
Watch = Callable[[str, Watcher], Awaitable[None]]


class MailboxLine:
    """Runs one `MailboxCall` per caller and records the call's end once."""

    def __init__(
        self,
        service: MailboxService,
        *,
        prompt: Prompt,
        emit: Emit,
        watch: Watch,
        recordings_dir: Any,
    ) -> None:
        self.service = service
        self.prompt = prompt
        self.emit = emit
        self.watch = watch
        self.recordings_dir = recordings_dir

    def handlers(self) -> dict[str, CallHandler]:
        return {HANDLER: self.run}

    async def run(self, channel: StasisChannel) -> None:
        call = MailboxCall(self, channel)
        try:
            await call.run()
        finally:
            if call.outcome != "queued":
                self.emit(channel.id, "call_ended", {"outcome": call.outcome, "cause": None})

    async def from_ivr(self, channel: StasisChannel, extension: str, language: str) -> str:
        """A caller of the main number who keyed a staff member's extension: the same
        mailbox, in their language; the IVR records the call's end with the outcome."""
        call = MailboxCall(self, channel)
        call.language = language
        await call.reach(extension)
        return call.outcome

    async def watch_until_end(self, channel_id: str) -> None:
        def on_destroyed(event: dict[str, Any]) -> None:
            self.emit(
                channel_id, "call_ended", {"outcome": "queued", "cause": event.get("cause_txt")}
            )

        await self.watch(channel_id, on_destroyed)


class MailboxCall:
    def __init__(self, line: MailboxLine, channel: StasisChannel) -> None:
        self.line = line
        self.service = line.service
        self.channel = channel
        self.language = self.service.policy.languages[0].code
        self.outcome = "hangup_in_mailbox"

    def emit(self, name: str, **details: Any) -> None:
        self.line.emit(self.channel.id, name, details)

    async def say(self, *names: str, interruptible: bool = False) -> None:
        found = (self.line.prompt(name, self.language) for name in names)
        await self.channel.play([uri for uri in found if uri], interruptible=interruptible)

    async def run(self) -> None:
        extension = self.channel.args[1] if len(self.channel.args) > 1 else ""
        await self.start(extension)
        await self.reach(extension)

    async def reach(self, extension: str) -> None:
        mailbox = await self.service.at_extension(extension) if extension.isdecimal() else None
        if mailbox is None:
            self.outcome = "mailbox_unknown"
            await self.say("mailbox_unknown", "goodbye")
            await self.channel.hangup()
            return
        plan = rules.greeting_plan(mailbox, self.service.now())
        if plan is None:
            await self.not_in_service(mailbox)
            return
        self.emit("mailbox_reached", mailbox=mailbox.id, greeting=plan.kind)
        if await self.greet(mailbox, plan) and plan.offers_hash:
            await self.to_someone_now(mailbox)
            return
        await self.take_message(mailbox)

    async def start(self, extension: str) -> None:
        """The call's record, as the IVR starts one; the caller's language if the IVR knew it."""
        self.emit(
            "call_started",
            caller_number=self.channel.caller_number,
            caller_name=self.channel.caller_name,
            dialed_number=self.service.policy.mailboxes.direct_prefix + extension[:15],
        )
        await self.channel.answer()
        self.emit("call_answered")
        known = self.channel.args[2] if len(self.channel.args) > 2 else ""
        if known in {lang.code for lang in self.service.policy.languages}:
            self.language = known

    async def greet(self, mailbox: MailboxRecord, plan: rules.GreetingPlan) -> bool:
        """Play the greeting; True if the caller pressed `#` during it (or just after)."""
        now = self.service.now()
        until = plan.until
        if plan.kind == "in_office":  # when a return call can be expected
            until = self.service.book.workdays.same_workday_due(mailbox.agent, now)
        recording = plan.recording
        if recording is None:
            recording = await asyncio.to_thread(
                self.service.greetings.spoken, mailbox, plan.kind, self.language, until, now
            )
        # Not flushed: a `#` pressed as the greeting begins is the caller's answer to it.
        await self.channel.play([media(recording)], interruptible=plan.offers_hash)
        pressed = False
        if plan.offers_hash:
            keyed, _ = await self.channel.read_digits(
                max_digits=1, first_timeout=0.5, inter_timeout=0.5, terminator=""
            )
            pressed = keyed == "#"
        self.emit(
            "mailbox_greeting_played",
            mailbox=mailbox.id,
            greeting=plan.kind,
            source="recorded" if plan.recording else "spoken",
            recording=recording,
            hash_pressed=pressed,
        )
        return pressed

    async def to_someone_now(self, mailbox: MailboxRecord) -> None:
        """`#` in an away greeting: the agent's team queue, or the operator (policy)."""
        policy = self.service.policy
        queue = policy.operator_queue
        if policy.mailboxes.away_hash_to == "team":
            queue = policy.agents.team_queues.get(mailbox.agent.team, queue)
        await self.queue(queue, reason="mailbox_away", mailbox=mailbox.id)

    async def not_in_service(self, mailbox: MailboxRecord) -> None:
        """A disconnected mailbox: said so; `#` reaches the operator, else goodbye."""
        self.emit("mailbox_reached", mailbox=mailbox.id, greeting="not_in_service")
        self.outcome = "mailbox_not_in_service"
        self.channel.flush_digits()
        await self.say("mailbox_not_in_service", interruptible=True)
        keyed, _ = await self.channel.read_digits(
            max_digits=1, first_timeout=HASH_WAIT_SECONDS, inter_timeout=1, terminator=""
        )
        if keyed == "#":
            await self.queue(
                self.service.policy.operator_queue,
                reason="mailbox_not_in_service",
                mailbox=mailbox.id,
            )
            return
        await self.say("goodbye")
        await self.channel.hangup()

    async def queue(self, queue: str, *, reason: str, mailbox: str) -> None:
        await self.channel.set_variables({"CCC_LANGUAGE": self.language})
        self.emit("someone_requested", queue=queue, reason=reason, language=self.language)
        await self.say("connecting")
        await self.line.watch_until_end(self.channel.id)
        self.emit("queued", queue=queue, language=self.language, mailbox=mailbox)
        self.outcome = "queued"
        await self.channel.continue_to(QUEUE_CONTEXT, queue)

    async def take_message(self, mailbox: MailboxRecord) -> None:
        self.channel.flush_digits()
        limits = self.service.policy.messages
        name = "mailbox-message-" + _SAFE_NAME.sub("_", self.channel.id)
        recording = await self.channel.record(
            name, max_seconds=limits.max_seconds, max_silence_seconds=limits.max_silence_seconds
        )
        audio = await asyncio.to_thread(
            recordings.inspect, self.line.recordings_dir / f"{recording.name}.wav"
        )
        if not audio.has_message:
            self.emit("mailbox_message_empty", mailbox=mailbox.id, duration_seconds=audio.seconds)
            self.outcome = "mailbox_no_message"
        else:
            row = await self.service.take_message(
                mailbox,
                call_id=self.channel.id,
                recording=recording.name,
                seconds=audio.seconds,
                caller_number=self.channel.caller_number,
                language=self.language,
            )
            self.emit(
                "mailbox_message_left",
                mailbox=mailbox.id,
                message_id=row.id,
                owner=row.owner,
                duration_seconds=audio.seconds,
            )
            self.outcome = "mailbox_message"
            if not self.channel.gone:
                await self.say("message_thanks", "goodbye")
        if not self.channel.gone:
            await self.channel.hangup()
