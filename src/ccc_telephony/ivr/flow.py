"""The main-number call flow, step by step, in the order a caller hears it.

greeting -> language -> (closed: hours, the message menu (whose call back, or a staff mailbox),
caller identification, message) -> menu -> caller identification -> queue.
Each step writes its call event as it happens. Nothing is played in a language the caller did
not choose (beyond the language menu itself): a language whose prompts are not all recorded
sends its callers straight to the operator, marked with their language.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any

import structlog

from ccc_telephony.asterisk import recordings
from ccc_telephony.asterisk.ari.channel import StasisChannel
from ccc_telephony.config.policy import Language, MenuOption
from ccc_telephony.hours.rules import HoursStatus
from ccc_telephony.ivr.context import IvrContext
from ccc_telephony.ivr.identification import CallerIdentity, IdentityKind, identify
from ccc_telephony.ivr.progress import Progress, progress_of

log = structlog.get_logger(__name__)

QUEUE_CONTEXT = "ccc-queue"
MAX_MENU_VISITS = 6
# Prompts a language needs before its callers can use the menu on their own.
MENU_PROMPTS = (
    "main_menu",
    "invalid_choice",
    "no_input",
    "identify_prompt",
    "identify_invalid",
    "identify_thanks",
    "connecting",
    "operator",
    "closed",
    "message_offer",
    "message_menu",
    "message_thanks",
    "goodbye",
    "information",
    "county_prompt",
    "county_unknown",
    "county_served_by",
    "phone_number_is",
)
_SAFE_NAME = re.compile(r"[^A-Za-z0-9_-]")
# What a caller keys for a staff member's extension is kept in the call's events only when it
# looks like one: a confused caller's SSN (nine digits) or phone number never is.
_EXTENSION_SHAPED = re.compile(r"[0-9]{3,6}")


def mailbox_request(keyed: str) -> dict[str, str | int]:
    """What the call's events keep of the extension a caller keyed for a staff mailbox: the
    extension when it looks like one, else only how many digits came."""
    if _EXTENSION_SHAPED.fullmatch(keyed):
        return {"extension": keyed}
    return {"length": len(keyed)}


class MainNumberCall:
    """One caller's way through the IVR; `run()` returns when the caller is queued or gone."""

    def __init__(
        self,
        ctx: IvrContext,
        channel: StasisChannel,
        *,
        watch_until_end: Callable[[str], Awaitable[None]],
    ) -> None:
        self.ctx = ctx
        self.channel = channel
        self.watch_until_end = watch_until_end
        self.language: Language = ctx.policy.languages[0]
        self.identity = CallerIdentity(IdentityKind.NONE)
        self.program: str | None = None
        self.outcome = "hangup_in_ivr"

    # --- helpers ----------------------------------------------------------------------------
    def emit(self, name: str, **details: Any) -> None:
        self.ctx.emit(self.channel.id, name, details)

    def media(self, *names: str, language: str | None = None) -> list[str]:
        code = language or self.language.code
        found = (self.ctx.prompts.media(name, code) for name in names)
        return [uri for uri in found if uri]

    async def say(self, *names: str, interruptible: bool = True) -> None:
        await self.channel.play(self.media(*names), interruptible=interruptible)

    async def ask_one_digit(self, prompt: list[str]) -> str:
        """Play a menu and return one key, or '' if none came in time. Keys pressed ahead
        (type-ahead) are used at once; after an invalid entry the rest is flushed."""
        timeout = self.ctx.policy.menu.first_digit_timeout_seconds
        return await self.channel.ask_one_digit(prompt, timeout=timeout)

    # --- the flow ---------------------------------------------------------------------------
    async def run(self, *, adopted: bool = False) -> None:
        """A new call from the greeting on; an adopted one (the service restarted while the
        caller was in the IVR) from the step its events say it reached."""
        status = self.ctx.hours.status()
        progress = await self.resume() if adopted else await self.start()
        if status.override is not None:
            self.emit("override_applied", reason=status.reason.value, note=status.override.reason)
        if not adopted:
            await self.say("greeting")
        if progress.language is None:
            await self.choose_language()
        if not self.ctx.prompts.has_language(self.language.code, MENU_PROMPTS):
            await self.unvoiced_language(status)
        elif not status.open and (progress.message_queue or progress.message_offered):
            if progress.identification_done:
                self.identity = progress.identity
            await self.leave_message(
                progress.message_queue or self.ctx.policy.operator_queue,
                identified=progress.identification_done or progress.message_offered,
            )
        elif not status.open:
            await self.closed(status)
        else:
            await self.continue_menu(progress)

    async def start(self) -> Progress:
        self.emit(
            "call_started",
            caller_number=self.channel.caller_number,
            caller_name=self.channel.caller_name,
            dialed_number=self.channel.args[1] if len(self.channel.args) > 1 else "",
        )
        await self.channel.answer()
        self.emit("call_answered")
        return Progress()

    async def resume(self) -> Progress:
        """Where the caller was, from their events; said to them, in their language."""
        menu = self.ctx.policy.menu
        information = frozenset(k for k, o in menu.options.items() if o.action == "information")
        progress = progress_of(
            await self.ctx.history(self.channel.id), information_keys=information
        )
        codes = {lang.code for lang in self.ctx.policy.languages}
        if progress.language is None or progress.language not in codes:
            progress = Progress()  # nothing usable: from the language menu
        else:
            self.language = self.ctx.policy.language(progress.language)
        self.emit(
            "call_resumed", reason="picked up after the service restarted", step=progress.step
        )
        await self.say("resume")
        return progress

    async def continue_menu(self, progress: Progress) -> None:
        option = self.ctx.policy.menu.options.get(progress.menu_key or "")
        if option is None:
            await self.main_menu()
            return
        if progress.identification_done:
            self.identity = progress.identity
        await self.take_option(option, identified=progress.identification_done)

    async def choose_language(self) -> None:
        languages = self.ctx.policy.languages
        prompt = [
            uri for lang in languages for uri in self.media("language_menu", language=lang.code)
        ]
        by_key = {lang.key: lang for lang in languages}
        for _ in range(self.ctx.policy.menu.max_attempts):
            key = await self.ask_one_digit(prompt)
            if key in by_key:
                self.language = by_key[key]
                self.emit("language_selected", language=self.language.code, key=key)
                return
            self.channel.flush_digits()
        self.emit("language_selected", language=self.language.code, key=None, defaulted=True)

    async def unvoiced_language(self, status: HoursStatus) -> None:
        """No recorded prompts in this language yet: a person, or a message after a tone."""
        if status.open:
            await self.to_queue(self.ctx.policy.operator_queue, operator=True, reason="language")
        else:
            self.emit("after_hours", reason=status.reason.value, holiday=status.holiday)
            await self.take_message(announce=False)

    async def closed(self, status: HoursStatus) -> None:
        self.emit("after_hours", reason=status.reason.value, holiday=status.holiday)
        await self.say("closed", interruptible=False)
        queue = await self.message_queue(mailbox_key=self._mailbox_key(status))
        if queue is not None:
            await self.leave_message(queue)

    async def leave_message(self, queue: str, *, identified: bool = False) -> None:
        """After hours: the caller's case number (the IVR's identification step: an SSN keyed
        keeps only its last four and keyed hash, never on the message), then the message."""
        if not identified:
            await self.identify_caller()
        await self.take_message(announce=True, queue=queue)

    def _menu_prompt(self, name: str, mailbox_key: str | None) -> list[str]:
        """A menu, and after it the staff mailboxes' key where it is offered."""
        return self.media(name) + (self.media("mailbox_offer") if mailbox_key else [])

    def _mailbox_key(self, status: HoursStatus) -> str | None:
        """The key that reaches a staff member's mailbox, where the policy offers it (by
        default only while the operator is closed)."""
        mailboxes = self.ctx.policy.mailboxes
        if self.ctx.staff_mailbox is None or not mailboxes.offered_in_ivr(open_now=status.open):
            return None
        return mailboxes.ivr_key

    async def staff_mailbox(self) -> bool:
        assert self.ctx.staff_mailbox is not None
        await self.channel.play(self.media("mailbox_extension"))
        keyed, _ = await self.channel.read_digits(
            max_digits=15,
            first_timeout=self.ctx.policy.menu.first_digit_timeout_seconds,
            inter_timeout=self.ctx.policy.caller_identification.inter_digit_timeout_seconds,
        )
        self.channel.flush_digits()
        if not keyed.isdecimal() or len(keyed) < 3:
            return False
        self.emit("mailbox_requested", **mailbox_request(keyed))
        self.outcome = await self.ctx.staff_mailbox(self.channel, keyed, self.language.code)
        return True

    async def message_queue(self, *, mailbox_key: str | None = None) -> str | None:
        """Whose call back the message asks for: the caller picks one of the menu's queues
        in the message menu (`message_menu`: no operator, no information); a wrong key is
        answered as in the main menu; no choice at all: the operator's queue (everyone's).
        The same menu offers `mailbox_key`: a staff member's mailbox (None once the caller
        reached one)."""
        menu = self.ctx.policy.menu
        prompt = self._menu_prompt("message_menu", mailbox_key)
        for _ in range(menu.max_attempts):
            key = await self.ask_one_digit(prompt)
            if mailbox_key is not None and key == mailbox_key:
                if await self.staff_mailbox():
                    return None
                continue
            option = menu.options.get(key)
            if option is not None and option.action == "queue" and option.queue is not None:
                self.emit("message_queue_chosen", key=key, queue=option.queue)
                return option.queue
            self.channel.flush_digits()
            self.emit("message_queue_invalid", key=key or None)
            await self.say("invalid_choice" if key else "no_input")
        self.emit("message_queue_chosen", key=None, queue=self.ctx.policy.operator_queue)
        return self.ctx.policy.operator_queue

    async def take_message(self, *, announce: bool, queue: str | None = None) -> None:
        if announce:
            await self.say("message_offer", interruptible=False)
        self.channel.flush_digits()
        self.emit("message_offered")
        name = "message-" + _SAFE_NAME.sub("_", self.channel.id)
        limits = self.ctx.policy.messages
        recording = await self.channel.record(
            name, max_seconds=limits.max_seconds, max_silence_seconds=limits.max_silence_seconds
        )
        audio = await asyncio.to_thread(
            recordings.inspect, self.ctx.recordings_dir / f"{recording.name}.wav"
        )
        if audio.has_message:
            self.emit(
                "message_recorded",
                recording=recording.name,
                duration_seconds=audio.seconds,
                caller_number=self.channel.caller_number,
                caller_name=self.channel.caller_name,
                language=self.language.code,
                queue=queue or self.ctx.policy.operator_queue,
                case_number=self.identity.case_number,  # None for an SSN: never on a message
            )
            self.outcome = "message"
            if announce and not self.channel.gone:
                await self.say("message_thanks", "goodbye", interruptible=False)
        else:
            self.emit("message_empty", duration_seconds=audio.seconds)
            self.outcome = "closed_no_message"
        if not self.channel.gone:
            await self.channel.hangup()

    async def main_menu(self) -> None:
        menu = self.ctx.policy.menu
        mailbox_key = self._mailbox_key(self.ctx.hours.status())
        prompt = self._menu_prompt("main_menu", mailbox_key)
        failures = 0
        for _ in range(MAX_MENU_VISITS):
            key = await self.ask_one_digit(prompt)
            if mailbox_key is not None and key == mailbox_key:
                if await self.staff_mailbox():
                    return
                continue
            option = menu.options.get(key)
            self.emit(
                "menu_choice",
                key=key or None,
                valid=option is not None,
                program=option.program if option else None,
            )
            if option is None:
                self.channel.flush_digits()
                failures += 1
                if failures >= menu.max_attempts:
                    await self.to_queue(
                        self.ctx.policy.operator_queue, operator=True, reason="no_valid_input"
                    )
                    return
                await self.say("invalid_choice" if key else "no_input")
                continue
            failures = 0
            if option.action == "information":
                await self.information()
                continue
            await self.take_option(option)
            return
        await self.to_queue(self.ctx.policy.operator_queue, operator=True, reason="menu_loop")

    async def take_option(self, option: MenuOption, *, identified: bool = False) -> None:
        if option.action == "operator":
            await self.to_queue(
                self.ctx.policy.operator_queue, operator=True, reason="caller_pressed_0"
            )
            return
        assert option.queue is not None  # enforced by the policy model
        self.program = option.program
        if option.identify_caller and not identified:
            await self.identify_caller()
        await self.to_queue(option.queue)

    async def identify_caller(self) -> None:
        rules = self.ctx.policy.caller_identification
        for _ in range(rules.max_attempts):
            await self.channel.play(self.media("identify_prompt"))
            keyed, _ = await self.channel.read_digits(
                max_digits=rules.max_digits,
                first_timeout=self.ctx.policy.menu.first_digit_timeout_seconds,
                inter_timeout=rules.inter_digit_timeout_seconds,
            )
            identity = identify(
                keyed, case_pattern=rules.case_number_pattern, hash_key=self.ctx.caller_hash_key
            )
            if identity.kind in (IdentityKind.CASE_NUMBER, IdentityKind.SSN):
                self.identity = identity
                self.emit("caller_identified", **identity.public())
                await self.say("identify_thanks")
                return
            if identity.kind == IdentityKind.SKIPPED:
                self.emit("caller_identified", kind="skipped")
                return
            self.channel.flush_digits()
            self.emit("caller_identification_failed", kind=identity.kind.value, length=len(keyed))
            await self.say("identify_invalid" if keyed else "no_input")
        self.emit("caller_identified", kind="none")

    async def information(self) -> None:
        await self.say("information")
        directory = self.ctx.directory.current
        for _ in range(self.ctx.policy.menu.max_attempts):
            await self.channel.play(self.media("county_prompt"))
            keyed, _ = await self.channel.read_digits(
                max_digits=3,
                first_timeout=self.ctx.policy.menu.first_digit_timeout_seconds,
                inter_timeout=3,
            )
            if keyed in ("", "*"):
                return
            found = directory.consortium_for_code(int(keyed)) if keyed.isdigit() else None
            if found is None:
                self.channel.flush_digits()
                self.emit("county_lookup", code=keyed[:3], found=False)
                await self.say("county_unknown")
                continue
            county, consortium = found
            self.emit("county_lookup", code=keyed, county=county, consortium=consortium.id)
            digits = [f"digit_{d}" for d in consortium.phone]
            await self.channel.play(
                self.media(
                    "county_served_by", f"consortium_{consortium.id}", "phone_number_is", *digits
                ),
            )
            return

    async def to_queue(
        self, queue: str, *, operator: bool = False, reason: str | None = None
    ) -> None:
        """Hand the caller to app_queue with what we learned on the channel."""
        # The dialplan already set CCC_CALL_ID (inherited) before Stasis, and the queue is the
        # extension we continue to: one ARI request per variable, so only what it lacks.
        variables = {"CCC_LANGUAGE": self.language.code}
        if self.program:
            variables["CCC_PROGRAM"] = self.program
        if self.identity.case_number:
            variables["CCC_CASE"] = self.identity.case_number
        if self.identity.ssn_last4:
            variables["CCC_SSN_LAST4"] = self.identity.ssn_last4
        await self.channel.set_variables(variables)
        if operator:
            self.emit("operator_requested", queue=queue, reason=reason, language=self.language.code)
        await self.say("operator" if operator else "connecting", interruptible=False)
        await self.watch_until_end(self.channel.id)
        self.emit("queued", queue=queue, language=self.language.code, program=self.program)
        self.outcome = "queued"
        await self.channel.continue_to(QUEUE_CONTEXT, queue)
