"""The staff mailboxes' part of the policy: how a caller reaches a mailbox (a direct extension,
the IVR), where an away greeting's `#` goes, how long a greeting may be, and the words of the
greetings spoken for a mailbox that has no recording of its own (so no caller hears silence).

The spoken greetings name the agent and a time, so they are not prompts of the catalog (one
sound per policy text): the mailboxes feature speaks each one for its mailbox when needed.
`{name}` is the agent's name, `{until}` when a return call can be expected (in office: the
end of their shift today, or of their next one after hours) or their return (away).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Set
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Prefix = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,3}$")]
Key = Annotated[str, StringConstraints(pattern=r"^[0-9*]$")]
Digits = Annotated[int, Field(ge=3, le=15)]  # an extension's length (config.agents.Extension)
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
# What each spoken greeting must say, and all it may: a departed agent's has no moment.
_PLACEHOLDERS = {"in_office": {"name", "until"}, "away": {"name", "until"}, "departed": {"name"}}
Texts = dict[str, Annotated[str, StringConstraints(min_length=1, max_length=600)]]

# Caller prompts of the catalog (no placeholders), needed in every language with a voice.
PROMPT_NAMES = (
    "mailbox_offer",  # from the IVR: "... a staff member, press 8" (must name ivr_key)
    "mailbox_extension",  # from the IVR: "key the extension, then pound"
    "mailbox_unknown",  # no mailbox there
    "mailbox_not_in_service",  # disconnected: "press pound for the operator"
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SpokenGreetings(_Strict):
    in_office: Texts = {
        "en": "You have reached the voice mailbox of {name}. Your call will be returned by"
        " {until}. Please leave your name, number and message after the tone.",
        "es": "Ha llamado al buzón de voz de {name}. Le devolveremos la llamada antes de:"
        " {until}. Deje su nombre, número y mensaje después del tono.",
    }
    away: Texts = {
        "en": "{name} is away until {until}. To reach someone now, press pound."
        " Or leave your name, number and message after the tone.",
        "es": "{name} está ausente hasta el {until}. Para hablar con alguien ahora, oprima la"
        " tecla de número. O deje su nombre, número y mensaje después del tono.",
    }
    departed: Texts = {
        "en": "{name} no longer works at the call center. A supervisor will return your call."
        " Please leave your name, number and message after the tone.",
        "es": "{name} ya no trabaja en el centro de llamadas. Un supervisor le devolverá la"
        " llamada. Deje su nombre, número y mensaje después del tono.",
    }


class Mailboxes(_Strict):
    # A mailbox's direct number: this prefix and the agent's extension (8 + 3101 = 83101).
    direct_prefix: Prefix = "8"
    # How many digits the roster's extensions have: only the prefix followed by exactly that
    # many digits is a direct number, so anything longer an agent dials (a toll-free 888
    # number keyed without the 9) still goes to the dialing checks. The roster refuses an
    # extension of another length.
    extension_digits: Annotated[list[Digits], Field(min_length=1, max_length=4)] = [4]
    # From the main number's IVR: never, only while the operator is closed, or always. Never
    # instead of a person during open hours unless "always".
    from_ivr: Literal["never", "closed", "always"] = "closed"
    ivr_key: Key = "8"  # the key in the IVR that asks for a mailbox's extension
    # Where `#` in an away greeting goes: the agent's team queue or the operator.
    away_hash_to: Literal["team", "operator"] = "team"
    greeting_max_seconds: int = Field(default=60, ge=5, le=300)
    # A departed agent's recorded greeting is replaced by the spoken "no longer here" one
    # unless the admin keeps it (per mailbox, API).
    greetings: SpokenGreetings = SpokenGreetings()

    @model_validator(mode="after")
    def _placeholders(self) -> Mailboxes:
        for kind, needed in _PLACEHOLDERS.items():
            for code, text in getattr(self.greetings, kind).items():
                said = set(_PLACEHOLDER.findall(text))
                where = f"greetings.{kind}.{code}"
                if missing := needed - said:
                    raise ValueError(f"{where}: the text must say {_listed(missing)}")
                if unknown := said - needed:
                    raise ValueError(f"{where}: {_listed(unknown)} cannot be filled in here")
        return self

    def problems(self, prompts: Mapping[str, Mapping[str, str]]) -> list[str]:
        """What is wrong with the policy's prompt texts for mailboxes: the IVR's offer must
        name the key that reaches them (a caller pressing what it says must get there)."""
        if self.from_ivr == "never":
            return []
        key = re.compile(rf"(?<![0-9*]){re.escape(self.ivr_key)}(?![0-9*])")
        return [
            f"prompts.mailbox_offer.{code}: must name mailboxes.ivr_key {self.ivr_key!r}"
            for code, text in prompts.get("mailbox_offer", {}).items()
            if not key.search(text)
        ]

    def direct_patterns(self) -> list[str]:
        """The dialplan patterns of the direct numbers: the prefix, then one X per digit."""
        return [
            f"_{self.direct_prefix}{'X' * digits}" for digits in sorted(set(self.extension_digits))
        ]

    def takes_extension(self, extension: str) -> bool:
        """Whether an extension of this length has a direct number."""
        return len(extension) in self.extension_digits

    def offered_in_ivr(self, *, open_now: bool) -> bool:
        """Whether the main number's IVR offers mailboxes now: never instead of a person
        during open hours unless the policy says always."""
        return self.from_ivr == "always" or (self.from_ivr == "closed" and not open_now)


def _listed(names: Set[str]) -> str:
    return ", ".join(f"{{{name}}}" for name in sorted(names))
