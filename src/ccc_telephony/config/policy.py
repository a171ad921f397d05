"""The admin's policy file: hours, holidays, languages, menu, queues and prompt texts.

It is validated whole at start-up (and by `ccc-telephony config check`); every error names
the key that is wrong, so an admin never has to read a traceback.
"""

from __future__ import annotations

import random
import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from ccc_telephony.config.agents import AgentPolicy, RosterAgent, language_queue
from ccc_telephony.config.callbacks import Callbacks
from ccc_telephony.config.codes import TOOL_CODES, FeatureCode
from ccc_telephony.config.conduct import Wrapups
from ccc_telephony.config.confidential import Confidential
from ccc_telephony.config.interpreters import Interpreters
from ccc_telephony.config.mailboxes import PROMPT_NAMES as MAILBOX_PROMPT_NAMES
from ccc_telephony.config.mailboxes import Mailboxes
from ccc_telephony.config.reports import Reports
from ccc_telephony.config.returns import Returns
from ccc_telephony.config.signatures import Signatures
from ccc_telephony.config.transfers import Transfers

Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAYS: tuple[Weekday, ...] = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)
Digit = Annotated[str, StringConstraints(pattern=r"^[0-9*#]$")]
Name = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,31}$")]
Extension = Annotated[str, StringConstraints(pattern=r"^[0-9]{3,15}$")]

# Prompts every language with a voice must have a text for; the IVR plays nothing else.
PROMPT_NAMES = (
    "greeting",
    "language_menu",
    "main_menu",
    "invalid_choice",
    "no_input",
    "information",
    "county_prompt",
    "county_unknown",
    "county_served_by",
    "phone_number_is",
    "identify_prompt",
    "identify_invalid",
    "identify_thanks",
    "connecting",
    "operator",
    "closed",
    "message_offer",
    "message_thanks",
    "goodbye",
    "technical_problem",
    "resume",
    "transfer_advisory",
    "other_consortium",
    "back_to_worker",
    "abusive_closing",
)

# The after-hours message menu (issue 12): after every earlier prompt in the file, so that the
# numbers an admin records prompts by stay as they were.
AFTER_HOURS_PROMPT_NAMES = ("message_menu",)

# What staff hear: an admin recording a prompt by phone (*77 from the admin extension), an agent
# using feature codes on their phone. Texts in the first language only, never played to a
# caller and never offered for recording by number.
STAFF_PROMPT_PREFIXES = ("admin_", "agent_")
ADMIN_PROMPT_NAMES = (
    "admin_language",
    "admin_prompt_number",
    "admin_unknown_prompt",
    "admin_invalid",
    "admin_current",
    "admin_record",
    "admin_too_short",
    "admin_review",
    "admin_confirm",
    "admin_saved",
    "admin_save_failed",
    "admin_cancelled",
    "admin_too_many_failures",
)
AGENT_PROMPT_NAMES = (
    "agent_logged_in",
    "agent_logged_out",
    "agent_ready",
    "agent_not_ready",
    "agent_refused",
    "agent_not_possible",
    "agent_unknown_phone",
    "agent_transfer_blocked",
    "agent_transfer_not_allowed",
    "agent_transfer_unavailable",
    "agent_help_closed",
    "agent_help_escalations_only",
    "agent_caller_back",
    "agent_no_lead",
    "agent_signature_no_script",
    "agent_signature_busy",
    "agent_signature_none",
    "agent_mailbox_menu",
    "agent_mailbox_record",
    "agent_mailbox_review",
    "agent_mailbox_saved",
    "agent_mailbox_away_until",
    "agent_mailbox_away_cleared",
    "agent_mailbox_invalid",
    "agent_mailbox_after_message",
    "agent_mailbox_no_messages",
    "agent_mailbox_returning",
)
STAFF_PROMPT_NAMES = ADMIN_PROMPT_NAMES + AGENT_PROMPT_NAMES


class PolicyError(ValueError):
    """The policy file is unreadable or invalid; the message names every bad key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Interval(_Strict):
    open: time
    close: time

    @model_validator(mode="after")
    def _ordered(self) -> Interval:
        if self.close <= self.open:
            raise ValueError(f"close {self.close} must be after open {self.open}")
        return self


class Holiday(_Strict):
    date: date
    name: Annotated[str, StringConstraints(min_length=1, max_length=80)]


class Language(_Strict):
    code: Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")]
    key: Digit
    name: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    # espeak-ng voice used to generate this language's prompts; None: recordings only.
    tts_voice: str | None = None
    # Voice for this language's own line of the language menu while it has no recording
    # (Hmong has no TTS voice; its line is read from its text by another voice until then).
    language_menu_voice: str | None = None


class MenuOption(_Strict):
    action: Literal["queue", "information", "operator"]
    queue: Name | None = None
    program: Name | None = None
    identify_caller: bool = True

    @model_validator(mode="after")
    def _queue_needs_name(self) -> MenuOption:
        if self.action == "queue" and not self.queue:
            raise ValueError("a queue option needs 'queue'")
        return self


class Menu(_Strict):
    max_attempts: int = Field(default=3, ge=1, le=9)
    first_digit_timeout_seconds: float = Field(default=6.0, gt=0, le=60)
    options: dict[Digit, MenuOption]

    @field_validator("options")
    @classmethod
    def _has_operator(cls, options: dict[str, MenuOption]) -> dict[str, MenuOption]:
        if not any(option.action == "operator" for option in options.values()):
            raise ValueError("the menu must offer the operator")
        return options


class Queue(_Strict):
    description: str = ""
    # Static members until agent management exists, e.g. "PJSIP/agent-ebd-1".
    members: list[
        Annotated[str, StringConstraints(pattern=r"^(PJSIP|Local)/[A-Za-z0-9_@.-]{1,64}$")]
    ] = []
    music_class: Name = "default"
    # What an agent dials (or names in a transfer) to reach this queue; stable, documented.
    extension: Extension | None = None


def _nine_digit_samples() -> tuple[str, ...]:
    """Nine-digit entries a case-number pattern is tried against: every leading pair, runs and
    a fixed pseudo-random spread. The IVR never takes nine digits for a case number anyway;
    this tells the admin early that the pattern is wrong."""
    pairs = [f"{a}{b}0123456" for a in "0123456789" for b in "0123456789"]
    runs = [d * 9 for d in "0123456789"] + ["123456789", "987654321"]
    spread = random.Random(9).choices("0123456789", k=9 * 500)  # noqa: S311 (not secret)
    chunks = ["".join(spread[i : i + 9]) for i in range(0, len(spread), 9)]
    return (*pairs, *runs, *chunks)


_NINE_DIGIT_SAMPLES = _nine_digit_samples()


class CallerIdentification(_Strict):
    case_number_pattern: str = r"^[0-9]{10}$"
    max_digits: int = Field(default=20, ge=9, le=32)
    max_attempts: int = Field(default=2, ge=1, le=5)
    inter_digit_timeout_seconds: float = Field(default=5.0, gt=0, le=30)

    @field_validator("case_number_pattern")
    @classmethod
    def _compiles(cls, pattern: str) -> str:
        try:
            compiled = re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from None
        accepted = next((s for s in _NINE_DIGIT_SAMPLES if compiled.fullmatch(s)), None)
        if accepted is not None:
            raise ValueError(
                f"a case number pattern must not accept 9 digits (an SSN), as it does {accepted}"
            )
        return pattern


class StaticPhone(_Strict):
    """A phone Asterisk calls at a fixed address (no registration), e.g. a queue member."""

    contact: Annotated[
        str, StringConstraints(pattern=r"^sip:[A-Za-z0-9_.-]{1,64}@[A-Za-z0-9.:-]{1,64}$")
    ]


class Messages(_Strict):
    """Recorded messages (a staff mailbox, or the main number after hours) and when each is
    due back: a mailbox's by the end of its owner's shift that workday (the standard's "same
    workday"), an after-hours one by this time of the next business day."""

    max_seconds: int = Field(default=120, ge=5, le=600)
    max_silence_seconds: int = Field(default=5, ge=1, le=60)
    after_hours_due: time = time(12, 0)


# The standard: the Help lead gets back to the worker who escalated within 24 hours.
DEFAULT_FOLLOWUP_HOURS = 24


class Escalations(_Strict):
    """The follow-up a Help lead owes the worker who escalated a caller: due this many hours
    after the escalation (fixed when it is recorded: a later change moves no deadline)."""

    followup_hours: int = Field(default=DEFAULT_FOLLOWUP_HOURS, ge=1, le=7 * 24)


class Policy(_Strict):
    main_number: Extension
    time_zone: str = "America/Chicago"
    hours: dict[Weekday, list[Interval]]
    holidays: list[Holiday] = []
    languages: list[Language]
    menu: Menu
    operator_queue: Name = "operator"
    queues: dict[Name, Queue]
    caller_identification: CallerIdentification = CallerIdentification()
    messages: Messages = Messages()
    static_phones: dict[
        Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,31}$")], StaticPhone
    ] = {}
    prompts: dict[Name, dict[str, str]]
    agents: AgentPolicy = AgentPolicy()
    escalations: Escalations = Escalations()
    transfers: Transfers = Transfers()
    signatures: Signatures = Signatures()
    interpreters: Interpreters = Interpreters()
    wrapups: Wrapups = Wrapups()
    confidential: Confidential = Confidential()
    returns: Returns = Returns()
    mailboxes: Mailboxes = Mailboxes()
    callbacks: Callbacks = Callbacks()
    reports: Reports = Reports()

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, zone: str) -> str:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {zone!r}") from None
        return zone

    @model_validator(mode="after")
    def _consistent(self) -> Policy:
        problems: list[str] = []
        codes = [lang.code for lang in self.languages]
        keys = [lang.key for lang in self.languages]
        if len(set(codes)) != len(codes):
            problems.append("languages: duplicate code")
        if len(set(keys)) != len(keys):
            problems.append("languages: duplicate key")
        if not self.languages or self.languages[0].tts_voice is None:
            problems.append("languages: the first language must have a tts_voice")
        if self.operator_queue not in self.queues:
            problems.append(f"operator_queue: {self.operator_queue!r} is not in queues")
        for digit, option in self.menu.options.items():
            if option.queue and option.queue not in self.queues:
                problems.append(f"menu.options.{digit}.queue: {option.queue!r} is not in queues")
        if self.mailboxes.from_ivr != "never" and self.mailboxes.ivr_key in self.menu.options:
            problems.append(
                f"mailboxes.ivr_key: {self.mailboxes.ivr_key!r} is a main menu option's key"
            )
        phones = {f"PJSIP/{name}" for name in self.static_phones}
        for queue_name, queue in self.queues.items():
            for member in queue.members:
                if member.startswith("PJSIP/") and member not in phones:
                    problems.append(
                        f"queues.{queue_name}.members: {member!r} is not a static phone"
                    )
        for name in (
            *PROMPT_NAMES,
            *MAILBOX_PROMPT_NAMES,
            *self.signatures.prompts(),
            *self.callbacks.prompts(),
            *AFTER_HOURS_PROMPT_NAMES,
        ):
            for lang in self.languages:
                if lang.tts_voice and not self.prompts.get(name, {}).get(lang.code):
                    problems.append(f"prompts.{name}.{lang.code}: missing text")
        if self.languages:
            first = self.languages[0].code
            for name in STAFF_PROMPT_NAMES:
                if not self.prompts.get(name, {}).get(first):
                    problems.append(f"prompts.{name}.{first}: missing text")
        for name, texts in self.prompts.items():
            for code in texts:
                if code not in codes:
                    problems.append(f"prompts.{name}.{code}: not a configured language")
        problems.extend(_agent_problems(self.agents, set(self.queues), set(codes)))
        problems.extend(self._queue_extension_problems())
        problems.extend(self.interpreters.problems(set(codes)))
        problems.extend(self.mailboxes.problems(self.prompts))
        problems.extend(self.reports.problems(self.agents.not_ready_reasons))
        ids = {agent.id for agent in self.agents.roster}
        for n, agent in enumerate(self.agents.roster):
            problems.extend(f"agents.roster.{n}.{p}" for p in self.roster_problems(agent, ids))
        seen: set[date] = set()
        for holiday in self.holidays:
            if holiday.date in seen:
                problems.append(f"holidays: {holiday.date} listed twice")
            seen.add(holiday.date)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def language_queues(self) -> dict[str, list[str]]:
        """Per staffed queue (team queues, Help), its language-first queues, one for each
        language but the first."""
        staffed = dict.fromkeys([*self.agents.team_queues.values(), self.agents.help_queue])
        others = [lang.code for lang in self.languages[1:]]
        return {queue: [language_queue(queue, code) for code in others] for queue in staffed}

    def feature_codes(self) -> list[FeatureCode]:
        """The in-call codes: *80 operator, *81 and *82 the team queues, *83 Help, *84 the Help
        lead at the caller's insistence, *851/*852 (leads) a supervisor; then the mid-call
        tools (config.codes.TOOL_CODES)."""
        teams = list(dict.fromkeys(self.agents.team_queues.values()))[:2]
        queues = [self.operator_queue, *teams, self.agents.help_queue]
        codes = [FeatureCode(f"ccc_to_{q}", f"*8{n}", q) for n, q in enumerate(queues)]
        return [
            *codes,
            FeatureCode("ccc_worker_requested", "*84", "worker_requested"),
            FeatureCode("ccc_agents_supervisor", "*851", "agents_supervisor"),
            FeatureCode("ccc_leads_supervisor", "*852", "leads_supervisor"),
            *TOOL_CODES,
        ]

    def queue_extensions(self) -> dict[str, str]:
        """Queue by extension, for the queues that have one."""
        return {q.extension: name for name, q in self.queues.items() if q.extension}

    def _queue_extension_problems(self) -> list[str]:
        problems = []
        seen: dict[str, str] = {}
        for name, queue in self.queues.items():
            if queue.extension is None:
                continue
            if queue.extension == self.main_number:
                problems.append(f"queues.{name}.extension: the main number")
            elif queue.extension in seen:
                problems.append(f"queues.{name}.extension: also {seen[queue.extension]}'s")
            seen[queue.extension] = name
        return problems

    def language(self, code: str) -> Language:
        return next(lang for lang in self.languages if lang.code == code)

    def roster_problems(self, agent: RosterAgent, roster: Collection[str]) -> list[RosterProblem]:
        """The one rule for an agent's record, whether it comes from this file's roster or
        through the API: everything it names must exist (`roster`: the ids it may name as
        supervisor), or the scheduler and the queues fail on it later, for every agent."""
        agents = self.agents
        problems = []
        if agent.team not in agents.team_queues:
            problems.append(RosterProblem("team", f"{agent.team!r} is not in agents.team_queues"))
        if agent.team not in agents.protected_minutes:
            problems.append(
                RosterProblem("team", f"{agent.team!r} is not in agents.protected_minutes")
            )
        codes = {lang.code for lang in self.languages}
        for code in agent.languages:
            if code not in codes:
                problems.append(RosterProblem("languages", f"{code!r} is not configured"))
        if agent.hq_shift is not None and agent.hq_shift not in agents.hq_shifts:
            problems.append(
                RosterProblem("hq_shift", f"{agent.hq_shift!r} is not in agents.hq_shifts")
            )
        if agent.extension in self.queue_extensions() or agent.extension == self.main_number:
            problems.append(
                RosterProblem("extension", f"{agent.extension!r} is a queue's or the main number")
            )
        if not self.mailboxes.takes_extension(agent.extension):
            digits = " or ".join(str(n) for n in self.mailboxes.extension_digits)
            problems.append(
                RosterProblem(
                    "extension",
                    f"{len(agent.extension)} digits: extensions have {digits}"
                    " (mailboxes.extension_digits: the direct mailbox numbers)",
                )
            )
        if agent.supervisor is not None and agent.supervisor not in roster:
            problems.append(
                RosterProblem("supervisor", f"{agent.supervisor!r} is not in the roster")
            )
        return problems


@dataclass(frozen=True, slots=True)
class RosterProblem:
    """Why an agent's record cannot be in the roster, naming the record's field."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


def _agent_problems(agents: AgentPolicy, queues: set[str], languages: set[str]) -> list[str]:
    problems = []
    for team, queue in agents.team_queues.items():
        if queue not in queues:
            problems.append(f"agents.team_queues.{team}: {queue!r} is not in queues")
    if agents.help_queue not in queues:
        problems.append(f"agents.help_queue: {agents.help_queue!r} is not in queues")
    for queue, rule in agents.coverage.items():
        if queue not in queues:
            problems.append(f"agents.coverage.{queue}: not in queues")
        for code in rule.min_ready_speakers:
            if code not in languages:
                problems.append(f"agents.coverage.{queue}.{code}: not a configured language")
    return problems


def load_policy(path: Path) -> Policy:
    """Read and validate the policy file, turning every failure into one readable PolicyError."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read: {exc.strerror}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise PolicyError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise PolicyError(f"{path}: expected a mapping at the top level")
    try:
        return Policy.model_validate(raw)
    except ValidationError as exc:
        raise PolicyError(f"{path}: invalid policy:\n{format_errors(exc)}") from None


def format_errors(exc: ValidationError) -> str:
    lines = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"]) or "(top level)"
        lines.append(f"  {where}: {error['msg']}")
    return "\n".join(lines)
