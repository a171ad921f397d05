"""The admin's edits to the directory, as pure functions from one directory to the next.

Each edit checks what it can name precisely (the field of the request that is wrong, and why),
then rebuilds the whole directory through its model, so the rules that vet the seed file vet
every edit too: every county served once, a number is one consortium's or allow-listed and
never both, the home consortium exists.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pydantic import ValidationError

from ccc_telephony.config.directory import (
    AllowedNumber,
    Consortium,
    ConsortiumNumber,
    Directory,
)
from ccc_telephony.directory.numbers import normalize

# An old main number stays blocked until an admin removes it: it may still reach that consortium.
FORMER_MAIN_LABEL = "former main number"


class DirectoryRefused(ValueError):
    """An edit that can never be right as given (a 400): `field` names what is wrong."""

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(f"{field}: {detail}")
        self.field = field
        self.detail = detail


class DirectoryConflict(DirectoryRefused):
    """An edit that clashes with the directory as it is now (a 409)."""


class NotInDirectory(DirectoryRefused):
    """The consortium or number the edit is about is not in the directory (a 404)."""


def add_number(directory: Directory, consortium_id: str, entry: ConsortiumNumber) -> Directory:
    consortium = _find(directory, consortium_id)
    _unused(directory, entry.number, "number")
    return _replaced(
        directory, _changed(consortium, numbers=[*consortium.numbers, entry]), "number"
    )


def remove_number(directory: Directory, consortium_id: str, raw_number: str) -> Directory:
    consortium = _find(directory, consortium_id)
    number = number_of(raw_number)
    if number == consortium.phone:
        raise DirectoryConflict(
            "number",
            f"{number} is the main number of {consortium.name}: change its phone instead",
        )
    kept = [entry for entry in consortium.numbers if entry.number != number]
    if len(kept) == len(consortium.numbers):
        raise NotInDirectory("number", f"{consortium.name} has no number {number}")
    return _replaced(directory, _changed(consortium, numbers=kept), "number")


def change_consortium(
    directory: Directory,
    consortium_id: str,
    *,
    name: str | None = None,
    phone: str | None = None,
    counties: Sequence[str] | None = None,
) -> Directory:
    """A new name, main number or set of counties. A county listed here that another
    consortium served moves here; a county dropped here must be listed by another consortium
    first. The old main number stays one of the consortium's numbers (FORMER_MAIN_LABEL)."""
    consortium = _find(directory, consortium_id)
    if name is not None:
        _name_free(directory, name, consortium.id)
        consortium = _changed(consortium, name=name)
    if phone is not None and phone != consortium.phone:
        consortium = _new_phone(directory, consortium, phone)
    consortia = [consortium if c.id == consortium.id else c for c in directory.consortia]
    if counties is not None:
        _known_counties(directory, counties)
        dropped = [county for county in consortium.counties if county not in counties]
        if dropped:
            raise DirectoryConflict(
                "counties",
                f"{', '.join(dropped)} would be served by no consortium: list them under the "
                "consortium that takes them over",
            )
        consortia = _assigned(consortia, consortium.id, counties)
    return _rebuilt(directory, consortia=consortia, field="consortium")


def add_consortium(directory: Directory, consortium: Consortium) -> Directory:
    """A new consortium; the counties it lists move to it from whoever served them."""
    if directory.consortium(consortium.id) is not None:
        raise DirectoryConflict("id", f"a consortium with id {consortium.id!r} exists")
    _name_free(directory, consortium.name, consortium.id)
    _unused(directory, consortium.phone, "phone")
    for entry in consortium.numbers:
        _unused(directory, entry.number, "numbers")
    _known_counties(directory, consortium.counties)
    consortia = _assigned([*directory.consortia, consortium], consortium.id, consortium.counties)
    return _rebuilt(directory, consortia=consortia, field="consortium")


def remove_consortium(directory: Directory, consortium_id: str) -> Directory:
    """Only a consortium that serves no county any more; never the home consortium. Its
    numbers go with it (they are no longer blocked)."""
    consortium = _find(directory, consortium_id)
    if consortium.id == directory.home:
        raise DirectoryConflict("id", "the home consortium cannot be removed")
    if consortium.counties:
        raise DirectoryConflict(
            "counties",
            f"{consortium.name} still serves {', '.join(consortium.counties)}: list them "
            "under another consortium first",
        )
    consortia = [c for c in directory.consortia if c.id != consortium.id]
    return _rebuilt(directory, consortia=consortia, field="consortium")


def allow(directory: Directory, entry: AllowedNumber) -> Directory:
    owner = next((c for c in directory.consortia if entry.number in c.all_numbers), None)
    if owner is not None:
        raise DirectoryConflict(
            "number",
            f"{entry.number} belongs to {owner.name} ({owner.id}): callers are given a "
            "consortium's number, never transferred to it",
        )
    _unused(directory, entry.number, "number")
    return _rebuilt(directory, allowed=[*directory.allowed, entry], field="number")


def disallow(directory: Directory, raw_number: str) -> Directory:
    number = number_of(raw_number)
    kept = [entry for entry in directory.allowed if entry.number != number]
    if len(kept) == len(directory.allowed):
        raise NotInDirectory("number", f"{number} is not allow-listed")
    return _rebuilt(directory, allowed=kept, field="number")


# --- checks -------------------------------------------------------------------------------------


def _find(directory: Directory, consortium_id: str) -> Consortium:
    consortium = directory.consortium(consortium_id)
    if consortium is None:
        raise NotInDirectory("consortium", f"no consortium with id {consortium_id[:40]!r}")
    return consortium


def number_of(raw: str) -> str:
    """A number as an admin typed it (in a URL, say), normalised; refused if it is none."""
    number = normalize(raw)
    if number is None:
        raise DirectoryRefused("number", "not a North American phone number")
    return number


def _unused(directory: Directory, number: str, field: str) -> None:
    holder = directory.holder_of(number)
    if holder is not None:
        raise DirectoryConflict(field, f"{number} is already {holder}")


def _name_free(directory: Directory, name: str, consortium_id: str) -> None:
    for other in directory.consortia:
        if other.id != consortium_id and other.name.casefold() == name.strip().casefold():
            raise DirectoryConflict("name", f"{other.id} is already called {other.name!r}")


def _known_counties(directory: Directory, counties: Iterable[str]) -> None:
    known = set(directory.counties.values())
    listed = list(counties)
    unknown = [county for county in listed if county not in known]
    if unknown:
        raise DirectoryRefused("counties", f"unknown county {unknown[0][:40]!r}")
    if len(set(listed)) != len(listed):
        raise DirectoryRefused("counties", "a county is listed twice")


def _new_phone(directory: Directory, consortium: Consortium, phone: str) -> Consortium:
    """The main number becomes `phone` (which may be one of its other numbers already)."""
    others = [entry for entry in consortium.numbers if entry.number != phone]
    if len(others) == len(consortium.numbers):
        _unused(directory, phone, "phone")
    former = ConsortiumNumber(number=consortium.phone, label=FORMER_MAIN_LABEL)
    return _changed(consortium, phone=phone, numbers=[*others, former])


# --- building the next directory ------------------------------------------------------------


def _changed(consortium: Consortium, **changes: object) -> Consortium:
    """The consortium with `changes`, validated as a new one would be."""
    try:
        return Consortium.model_validate({**dict(consortium), **changes})
    except ValidationError as exc:
        raise DirectoryRefused("consortium", _problems(exc)) from None


def _assigned(
    consortia: list[Consortium], target: str, counties: Sequence[str]
) -> list[Consortium]:
    """`target` serves exactly `counties`, taken from whoever served them."""
    moving = set(counties)
    result = []
    for consortium in consortia:
        if consortium.id == target:
            consortium = _changed(consortium, counties=list(counties))
        elif moving.intersection(consortium.counties):
            kept = [county for county in consortium.counties if county not in moving]
            consortium = _changed(consortium, counties=kept)
        result.append(consortium)
    return result


def _replaced(directory: Directory, consortium: Consortium, field: str) -> Directory:
    consortia = [consortium if c.id == consortium.id else c for c in directory.consortia]
    return _rebuilt(directory, consortia=consortia, field=field)


def _rebuilt(
    directory: Directory,
    *,
    field: str,
    consortia: list[Consortium] | None = None,
    allowed: list[AllowedNumber] | None = None,
) -> Directory:
    """The whole directory again through its model: the last word on every rule."""
    try:
        return Directory.model_validate(
            {
                "counties": directory.counties,
                "home": directory.home,
                "consortia": directory.consortia if consortia is None else consortia,
                "allowed": directory.allowed if allowed is None else allowed,
            }
        )
    except ValidationError as exc:
        raise DirectoryConflict(field, _problems(exc)) from None


def _problems(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(part) for part in err['loc']) or 'directory'}: {err['msg']}"
        for err in exc.errors(include_url=False, include_input=False, include_context=False)[:5]
    )
