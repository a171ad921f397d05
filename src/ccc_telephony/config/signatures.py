"""The telephonic-signature part of the policy: the programs a caller may sign for (each has an
attestation script, `attestation_<program>` in the policy's prompts, and every caller is then
asked to state their name and agree, `attestation_agree`), how long a capture may last, and how
long the recordings are kept (the consortium's standard: seven years)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Program = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,31}$")]

SCRIPT_PREFIX = "attestation_"
# Said after every program's attestation: "please state your name and say that you agree".
AGREE_PROMPT = "attestation_agree"
DEFAULT_RETENTION_YEARS = 7


def script_prompt(program: str) -> str:
    """The prompt holding a program's attestation text (recorded like any other prompt)."""
    return f"{SCRIPT_PREFIX}{program}"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Signatures(_Strict):
    programs: list[Program] = Field(
        default=["foodshare", "health_care", "child_care"], min_length=1, max_length=40
    )
    # The program of a capture when the agent names none.
    default_program: Program = "foodshare"
    # A capture the agent never ends stops here (the call goes on with the agent).
    max_seconds: int = Field(default=180, ge=20, le=1800)
    # Audio older than this is removed by `ccc-telephony signatures purge` (the rows stay).
    retention_years: int = Field(default=DEFAULT_RETENTION_YEARS, ge=1, le=100)

    @model_validator(mode="after")
    def _default_is_a_program(self) -> Signatures:
        if len(set(self.programs)) != len(self.programs):
            raise ValueError("programs: listed twice")
        if self.default_program not in self.programs:
            raise ValueError(f"default_program: {self.default_program!r} is not in programs")
        if AGREE_PROMPT.removeprefix(SCRIPT_PREFIX) in self.programs:
            raise ValueError("programs: 'agree' is the closing prompt's name, not a program")
        return self

    def prompts(self) -> list[str]:
        """Every prompt the scripts need in each language: one per program, then the close."""
        return [*(script_prompt(program) for program in self.programs), AGREE_PROMPT]
