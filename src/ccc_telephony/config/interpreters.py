"""The interpreter part of the policy: where the interpretation (language) line is reached, per
language or one line for all, how long it may ring, and what an interpreter's id keyed on the
agent's phone may look like.

A line is either a SIP endpoint of this Asterisk (`PJSIP/language-line`: the sandbox's test
phone, or a desk phone of an in-house interpreter) or an outside number, ten digits, dialled
through the outbound route (`ccc-outbound`, the carrier trunk) like an allowed transfer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

# A local endpoint (`PJSIP/<name>`) or a ten-digit North American number.
LINE_PATTERN = r"^(PJSIP/[A-Za-z0-9_.-]{1,64}|[2-9][0-9]{2}[2-9][0-9]{6})$"
Line = Annotated[str, StringConstraints(pattern=LINE_PATTERN)]
OUTBOUND_CONTEXT = "ccc-outbound"


@dataclass(frozen=True, slots=True)
class Dial:
    """How Asterisk reaches a line: the channel to originate, and the dialplan variables the
    outbound route needs (an outside number is a Local channel into ccc-outbound)."""

    endpoint: str
    variables: dict[str, str]


class Interpreters(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # The line for any language without one of its own; None: only the languages listed.
    line: Line | None = "PJSIP/language-line"
    lines: dict[Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")], Line] = {}
    # How long the line may ring before the agent's request counts as not reached.
    ring_seconds: int = Field(default=30, ge=5, le=120)
    # An interpreter's id as the agent keys it on the phone (*64): digits only.
    id_min_digits: int = Field(default=3, ge=1, le=20)
    id_max_digits: int = Field(default=12, ge=1, le=20)

    def line_for(self, language: str) -> str | None:
        return self.lines.get(language, self.line)

    def problems(self, languages: set[str]) -> list[str]:
        found = [
            f"interpreters.lines.{code}: not a configured language"
            for code in self.lines
            if code not in languages
        ]
        if self.id_min_digits > self.id_max_digits:
            found.append("interpreters.id_min_digits: more than id_max_digits")
        return found


def dial(line: str) -> Dial:
    """The channel to originate for a line (validated by LINE_PATTERN): an outside number
    goes out through the carrier; CCC_CONSULT makes the route hang up an unanswered call
    instead of handing it back to an agent."""
    if line.startswith("PJSIP/"):
        return Dial(endpoint=line, variables={})
    return Dial(endpoint=f"Local/{line}@{OUTBOUND_CONTEXT}", variables={"CCC_CONSULT": "1"})
