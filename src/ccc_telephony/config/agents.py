"""The agents part of the policy: Not Ready reasons, protected time, Help-queue shifts,
coverage minimums, routing, and the roster that seeds the database.

Every number here is the consortium's default; an admin changes it in the policy file. The
roster in the file only seeds an empty database: after that the roster lives in PostgreSQL and
is managed through the API and the CLI.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Team = Literal["ebd", "family"]
Role = Literal["worker", "lead", "supervisor"]
AgentId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]{0,31}$")]
Extension = Annotated[str, StringConstraints(pattern=r"^[0-9]{3,15}$")]
LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")]
QueueName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,31}$")]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=r"^[A-Za-z ,'-]+$")]
# Where a supervisor is told of a threat. Deliberately plain: one address, no display name, no
# spaces or control characters, so it can never carry a second header into a message.
Email = Annotated[
    str, StringConstraints(max_length=254, pattern=r"^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,189}$")
]

PROTECTED_TIME = "Protected time"
LAST_CALL = "Last call"
RING_NO_ANSWER = "Missed call"


def language_queue(queue: str, language: str) -> str:
    """The queue a caller of `language` tries first: only that language's speakers are in it."""
    return f"{queue}_{language}"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Window(_Strict):
    """A daily stretch of local time, e.g. a Help-queue shift or a protected-time block."""

    start: time
    end: time

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.end <= self.start:
            raise ValueError(f"end {self.end} must be after start {self.start}")
        return self

    def contains(self, moment: time) -> bool:
        return self.start <= moment < self.end

    @classmethod
    def lasting(cls, start: time, minutes: int) -> Window:
        end = (datetime.combine(date.min, start) + timedelta(minutes=minutes)).time()
        return cls(start=start, end=end)


class RosterAgent(_Strict):
    id: AgentId
    name: Annotated[str, StringConstraints(min_length=1, max_length=80)]
    extension: Extension
    team: Team
    role: Role = "worker"
    supervisor: AgentId | None = None
    languages: list[LanguageCode] = ["en"]
    # When the daily protected (off-phone) block starts; its length comes from the team.
    protected_start: time | None = None
    hq_shift: str | None = None  # leads: a key of agents.hq_shifts
    email: Email | None = None
    # Their call-center shift on a business day (when they return calls); None: the policy's
    # agents.default_shift.
    shift: Window | None = None

    @model_validator(mode="after")
    def _lead_shift(self) -> RosterAgent:
        if self.hq_shift is not None and self.role != "lead":
            raise ValueError("hq_shift: only leads staff the Help queue")
        return self


def in_unit(agent: RosterAgent, head: RosterAgent) -> bool:
    """Whom a lead or supervisor looks after: their own team and the people they supervise."""
    return agent.team == head.team or agent.supervisor == head.id


def supervisors_of(agent: RosterAgent, roster: Mapping[str, RosterAgent]) -> list[RosterAgent]:
    """Whom the standard means by "the agent's supervisor": the one the roster names, else
    (none named, or no longer in the roster) the supervisors whose unit the agent is in."""
    named = roster.get(agent.supervisor) if agent.supervisor else None
    if named is not None and named.id != agent.id:
        return [named]
    return [
        head
        for head in roster.values()
        if head.role == "supervisor" and head.id != agent.id and in_unit(agent, head)
    ]


class CoverageRule(_Strict):
    """Who must stay Ready in a queue while it is staffed. `enforce` refuses a Not Ready that
    would break the rule (a supervisor may override); `warn` allows it and records a warning."""

    mode: Literal["enforce", "warn", "off"] = "warn"
    min_ready_leads: int = Field(default=0, ge=0, le=20)
    # Per language: at least this many Ready speakers, where the roster has any at all.
    min_ready_speakers: dict[LanguageCode, int] = {}


class Routing(_Strict):
    wrapup_seconds: int = Field(default=10, ge=0, le=600)
    # A Spanish or Hmong caller waits this long for a Ready speaker, then anyone Ready.
    language_wait_seconds: int = Field(default=30, ge=0, le=600)
    ring_seconds: int = Field(default=15, ge=5, le=120)
    announce_position_seconds: int = Field(default=60, ge=0, le=600)


class AgentPolicy(_Strict):
    not_ready_reasons: list[Reason] = [
        LAST_CALL,
        "Restroom",
        "On Break",
        PROTECTED_TIME,
        "Meeting",
        "Training",
    ]
    team_queues: dict[Team, QueueName] = {"ebd": "ebd", "family": "family"}
    help_queue: QueueName = "help"
    protected_minutes: dict[Team, int] = {"ebd": 150, "family": 90}
    default_protected_start: time = time(13, 0)
    # A worker's call-center shift when the roster names none: promised return calls
    # (messages, confidential cases) fall due inside it.
    default_shift: Window = Window(start=time(8, 0), end=time(16, 30))
    hq_shifts: dict[QueueName, Window] = {
        "am": Window(start=time(8, 0), end=time(12, 15)),
        "pm": Window(start=time(12, 0), end=time(16, 0)),
    }
    coverage: dict[QueueName, CoverageRule] = {
        "help": CoverageRule(
            mode="enforce", min_ready_leads=1, min_ready_speakers={"es": 1, "hmn": 1}
        ),
        "ebd": CoverageRule(mode="warn", min_ready_speakers={"es": 1, "hmn": 1}),
        "family": CoverageRule(mode="warn", min_ready_speakers={"es": 1, "hmn": 1}),
    }
    routing: Routing = Routing()
    roster: list[RosterAgent] = []

    @model_validator(mode="after")
    def _consistent(self) -> AgentPolicy:
        problems: list[str] = []
        for required in (LAST_CALL, PROTECTED_TIME):
            if required not in self.not_ready_reasons:
                problems.append(f"not_ready_reasons: must include {required!r}")
        ids = [agent.id for agent in self.roster]
        extensions = [agent.extension for agent in self.roster]
        if len(set(ids)) != len(ids):
            problems.append("roster: duplicate id")
        if len(set(extensions)) != len(extensions):
            problems.append("roster: duplicate extension")
        # Each agent's own record is checked by Policy.roster_problems, which also knows the
        # languages: the same rule as for agents added later through the API.
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def shift_of(self, agent: RosterAgent | None) -> Window:
        """The agent's shift; None (nobody in the roster, e.g. a departed agent's mailbox
        without a supervisor): the default shift."""
        return (agent.shift if agent else None) or self.default_shift

    def protected_window(self, agent: RosterAgent) -> Window:
        start = agent.protected_start or self.default_protected_start
        return Window.lasting(start, self.protected_minutes[agent.team])
