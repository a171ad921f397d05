"""The consortium directory: which income-maintenance consortium serves each Wisconsin county,
every number that belongs to each consortium, and the outside numbers agents may transfer to.

The IVR tells callers from other counties whom to call; the transfer routing refuses any
transfer to another consortium's number (the caller is given that consortium's number instead)
and lets through only allow-listed outside numbers. The file (`consortia.yaml`) seeds an empty
database; after that the directory lives in PostgreSQL, edited by admins, and the running
service holds it as a frozen snapshot (`DirectoryHolder.current`), so a call never waits on the
database. The same rules apply to the file, to the database's content and to every edit.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated, Any, TypeVar

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PrivateAttr,
    StringConstraints,
    ValidationError,
    model_validator,
)

from ccc_telephony.config.policy import PolicyError, format_errors
from ccc_telephony.directory.numbers import normalize


def _phone_number(value: Any) -> str:
    """Any way of writing a number, kept as the ten digits the service dials."""
    if not isinstance(value, str):
        raise ValueError("a phone number must be text, e.g. '608-555-0199'")
    number = normalize(value)
    if number is None:
        raise ValueError(
            "not a North American phone number (10 digits, area code and exchange not "
            "starting with 0 or 1)"
        )
    return number


PhoneNumber = Annotated[str, BeforeValidator(_phone_number)]
ConsortiumId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
CountyName = Annotated[str, StringConstraints(min_length=2, max_length=40)]
# Spoken to callers (consortium names) or shown to admins (labels): printable, one line.
ConsortiumName = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=2, max_length=80, pattern=r"^[^\x00-\x1f\x7f]+$"
    ),
]
Label = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=80, pattern=r"^[^\x00-\x1f\x7f]+$"
    ),
]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ConsortiumNumber(_Frozen):
    """A number of a consortium besides its main one: a worker line, a fax, a local agency."""

    number: PhoneNumber
    label: Label


class AllowedNumber(_Frozen):
    """An outside number agents may transfer callers to."""

    number: PhoneNumber
    label: Label


Numbered = TypeVar("Numbered", ConsortiumNumber, AllowedNumber)


def _by_number(entries: list[Numbered]) -> list[Numbered]:
    return sorted(entries, key=lambda entry: entry.number)


class Consortium(_Frozen):
    """Counties and numbers are kept sorted: the same directory reads the same from the file,
    from the database and after an edit."""

    id: ConsortiumId
    name: ConsortiumName
    phone: PhoneNumber  # the main number, which the IVR reads out to callers
    counties: Annotated[list[CountyName], AfterValidator(sorted)]
    numbers: Annotated[list[ConsortiumNumber], AfterValidator(_by_number)] = []

    @property
    def all_numbers(self) -> list[str]:
        """The main number first, then the others."""
        return [self.phone, *(entry.number for entry in self.numbers)]


class Directory(_Frozen):
    counties: dict[Annotated[int, "county code"], CountyName]
    home: str
    consortia: list[Consortium]
    allowed: Annotated[list[AllowedNumber], AfterValidator(_by_number)] = []
    _owners: dict[str, Consortium] = PrivateAttr(default_factory=dict)
    _allowed: frozenset[str] = PrivateAttr(default=frozenset())

    @model_validator(mode="after")
    def _consistent(self) -> Directory:
        problems = [*self._county_problems(), *self._number_problems()]
        ids = Counter(c.id for c in self.consortia)
        names = Counter(c.name.casefold() for c in self.consortia)
        problems += [f"consortia: id {i!r} is used {n} times" for i, n in ids.items() if n > 1]
        problems += [
            f"consortia: {c.id}: name {c.name!r} is used by another consortium"
            for c in self.consortia
            if names[c.name.casefold()] > 1
        ]
        if self.home not in ids:
            problems.append(f"home: {self.home!r} is not a consortium id")
        if problems:
            raise ValueError("; ".join(sorted(problems)))
        return self

    def _county_problems(self) -> list[str]:
        problems: list[str] = []
        known = set(self.counties.values())
        served: dict[str, str] = {}
        for consortium in self.consortia:
            for county in consortium.counties:
                if county not in known:
                    problems.append(f"consortia.{consortium.id}: unknown county {county!r}")
                elif county in served:
                    problems.append(
                        f"consortia.{consortium.id}: county {county!r} already served by "
                        f"{served[county]}"
                    )
                served[county] = consortium.id
        problems += [
            f"counties: {name!r} is served by no consortium" for name in known - served.keys()
        ]
        if any(not 1 <= code <= 999 for code in self.counties):
            problems.append("counties: codes must be 1 to 999")
        if len(known) != len(self.counties):
            problems.append("counties: a county name is listed under two codes")
        return problems

    def _number_problems(self) -> list[str]:
        """A number is one thing only: one consortium's, or allow-listed."""
        holders: dict[str, str] = {}
        problems: list[str] = []
        places = [(number, f"consortia.{c.id}") for c in self.consortia for number in c.all_numbers]
        places += [(entry.number, "allowed") for entry in self.allowed]
        for number, place in places:
            if number in holders:
                problems.append(f"{place}: number {number} is already in {holders[number]}")
            holders.setdefault(number, place)
        return problems

    def model_post_init(self, context: Any, /) -> None:
        self._owners = {
            number: c for c in self.consortia if c.id != self.home for number in c.all_numbers
        }
        self._allowed = frozenset(entry.number for entry in self.allowed)

    def consortium_for_code(self, code: int) -> tuple[str, Consortium] | None:
        """The county's name and the consortium serving it, or None for an unknown code."""
        county = self.counties.get(code)
        if county is None:
            return None
        return county, self.serving(county)

    def serving(self, county: str) -> Consortium:
        return next(c for c in self.consortia if county in c.counties)

    @property
    def home_consortium(self) -> Consortium:
        return next(c for c in self.consortia if c.id == self.home)

    def consortium(self, consortium_id: str) -> Consortium | None:
        return next((c for c in self.consortia if c.id == consortium_id), None)

    def owner_of(self, number: str) -> Consortium | None:
        """The consortium other than home that `number` belongs to (its main number or any
        other), or None. `number` as `directory.numbers.normalize` returns it, with the
        outside-line prefixes applied; another form is normalised here without them."""
        found = normalize(number)
        return None if found is None else self._owners.get(found)

    def allows(self, number: str) -> bool:
        """Whether agents may transfer a caller to this outside number (the admin's
        allow-list; empty by default, so everything else is denied)."""
        return normalize(number) in self._allowed

    def holder_of(self, number: str) -> str | None:
        """Who has a normalised number already, in an admin's words, or None."""
        for c in self.consortia:
            if number == c.phone:
                return f"the main number of {c.name} ({c.id})"
            for entry in c.numbers:
                if number == entry.number:
                    return f"a number of {c.name} ({c.id}): {entry.label}"
        entry_allowed = next((a for a in self.allowed if a.number == number), None)
        return None if entry_allowed is None else f"allow-listed: {entry_allowed.label}"


class DirectoryHolder:
    """The directory as the running service knows it now. Readers (the IVR, the transfer
    routing) take `.current` when they need it, never keep it: the directory feature replaces
    it on every change, so a change applies from the next call on."""

    def __init__(self, current: Directory) -> None:
        self.current = current


def load_directory(path: Path) -> Directory:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read: {exc.strerror}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise PolicyError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise PolicyError(f"{path}: expected a mapping at the top level")
    try:
        return Directory.model_validate(raw)
    except ValidationError as exc:
        raise PolicyError(f"{path}: invalid consortium directory:\n{format_errors(exc)}") from None
