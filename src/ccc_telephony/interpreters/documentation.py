"""Who interpreted, as the standard asks it documented on the call: the interpreter's name,
their position or relationship (a language line's interpreter, the caller's daughter), and the
id the language line gives them. All of it comes from agents (API bodies, keyed digits), so
each value is checked here, once, for every path."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints

from ccc_telephony.web.validation import SSN_LIKE

# Letters, spaces and punctuation: no digits (an SSN or case number never goes in a name),
# no control characters.
_WORDS = r"^[^\x00-\x1f\x7f0-9]*[^\x00-\x1f\x7f0-9\s][^\x00-\x1f\x7f0-9]*$"
Words = Annotated[str, StringConstraints(pattern=_WORDS, max_length=80, strip_whitespace=True)]


def _not_an_ssn(value: str) -> str:
    """The id is kept with the call: never in one of an SSN's shapes."""
    if SSN_LIKE.fullmatch(value):
        raise ValueError("an SSN's shape: not an interpreter id")
    return value


InterpreterId = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9-]{1,20}$"),
    AfterValidator(_not_an_ssn),
]


class Documentation(BaseModel):
    """What is known of the interpreter; every part may come later (PATCH, keys)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Words | None = None
    role: Words | None = None
    interpreter_id: InterpreterId | None = None

    def merged(self, later: Documentation) -> Documentation:
        """`later`'s parts over these: what the agent did not give again stays."""
        given = later.model_dump(exclude_none=True)
        return self.model_copy(update=given)

    def details(self) -> dict[str, str | None]:
        return {"name": self.name, "role": self.role, "interpreter_id": self.interpreter_id}


class InvalidKeyedId(ValueError):
    """The digits keyed for an interpreter's id are not an id."""


def keyed_id(value: str, *, min_digits: int, max_digits: int) -> str:
    """The interpreter id the agent keyed (*64 then digits): only digits, of the policy's
    length; anything else (a caller-side string, a truncated entry) is refused."""
    if not re.fullmatch(rf"[0-9]{{{min_digits},{max_digits}}}", value) or len(value) == 9:
        raise InvalidKeyedId(f"{min_digits} to {max_digits} digits, never nine (an SSN)")
    return value
