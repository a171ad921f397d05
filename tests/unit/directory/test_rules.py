"""The admin's edits: each names the field that is wrong, leaves the directory it was given
alone, and the next directory always meets every rule of the model."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ccc_telephony.config.directory import AllowedNumber, Consortium, ConsortiumNumber, Directory
from ccc_telephony.directory import rules
from ccc_telephony.directory.rules import (
    FORMER_MAIN_LABEL,
    DirectoryConflict,
    DirectoryRefused,
    NotInDirectory,
)


def _number(number: str, label: str = "Worker line") -> ConsortiumNumber:
    return ConsortiumNumber(number=number, label=label)


def _new(**changes: object) -> Consortium:
    data: dict[str, object] = {
        "id": "lakeshore",
        "name": "Lakeshore Consortium",
        "phone": "8885550120",
        "counties": [],
    }
    return Consortium.model_validate({**data, **changes})


def test_an_added_number_belongs_to_the_consortium(small: Directory) -> None:
    after = rules.add_number(small, "bay_lake", _number("920-555-0199", "Fax"))
    assert after.owner_of("9205550199") == after.consortium("bay_lake")
    assert small.owner_of("9205550199") is None  # the old snapshot is untouched
    assert after.consortium("bay_lake").numbers[-1].label == "Fax"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("number", "holder"),
    [
        ("8885550101", "the main number of Capital Consortium (capital)"),
        ("9205550142", "a number of Bay Lake Consortium (bay_lake): Brown County agency"),
        ("6085550177", "allow-listed: Legal aid"),
    ],
)
def test_a_number_already_held_is_refused_saying_by_whom(
    small: Directory, number: str, holder: str
) -> None:
    with pytest.raises(DirectoryConflict) as caught:
        rules.add_number(small, "capital", _number(number))
    assert caught.value.field == "number"
    assert caught.value.detail == f"{number} is already {holder}"


def test_a_number_of_an_unknown_consortium(small: Directory) -> None:
    with pytest.raises(NotInDirectory) as caught:
        rules.add_number(small, "atlantis", _number("9205550199"))
    assert caught.value.field == "consortium"


def test_removing_a_number_in_any_form(small: Directory) -> None:
    after = rules.remove_number(small, "bay_lake", "+1 (920) 555-0142")
    assert after.owner_of("9205550142") is None
    assert after.consortium("bay_lake").numbers == []  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("consortium", "number", "error", "field"),
    [
        ("bay_lake", "8885550102", DirectoryConflict, "number"),  # its main number
        ("capital", "9205550142", NotInDirectory, "number"),  # someone else's
        ("bay_lake", "3101", DirectoryRefused, "number"),
        ("atlantis", "9205550142", NotInDirectory, "consortium"),
    ],
)
def test_what_cannot_be_removed(
    small: Directory, consortium: str, number: str, error: type[Exception], field: str
) -> None:
    with pytest.raises(error) as caught:
        rules.remove_number(small, consortium, number)
    assert isinstance(caught.value, DirectoryRefused) and caught.value.field == field


def test_renaming(small: Directory) -> None:
    after = rules.change_consortium(small, "bay_lake", name="Bay Lake IM Consortium")
    assert after.consortium("bay_lake").name == "Bay Lake IM Consortium"  # type: ignore[union-attr]
    with pytest.raises(DirectoryConflict) as caught:
        rules.change_consortium(small, "bay_lake", name="capital consortium")
    assert caught.value.field == "name"


def test_a_new_main_number_keeps_the_old_one_blocked(small: Directory) -> None:
    after = rules.change_consortium(small, "bay_lake", phone="8885550103")
    bay_lake = after.consortium("bay_lake")
    assert bay_lake is not None and bay_lake.phone == "8885550103"
    assert after.owner_of("8885550102") == bay_lake
    assert _number("8885550102", FORMER_MAIN_LABEL) in bay_lake.numbers


def test_one_of_its_numbers_can_become_the_main_one(small: Directory) -> None:
    after = rules.change_consortium(small, "bay_lake", phone="9205550142")
    bay_lake = after.consortium("bay_lake")
    assert bay_lake is not None and bay_lake.all_numbers == ["9205550142", "8885550102"]


def test_a_main_number_held_elsewhere_is_refused(small: Directory) -> None:
    for number in ("8885550101", "6085550177"):
        with pytest.raises(DirectoryConflict) as caught:
            rules.change_consortium(small, "bay_lake", phone=number)
        assert caught.value.field == "phone"


def test_a_listed_county_moves_from_whoever_served_it(small: Directory) -> None:
    after = rules.change_consortium(small, "bay_lake", counties=["Brown", "Door", "Columbia"])
    assert after.serving("Columbia").id == "bay_lake"
    assert after.consortium("capital").counties == ["Dane"]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("counties", "error", "words"),
    [
        (["Brown"], DirectoryConflict, "Door would be served by no consortium"),
        (["Brown", "Door", "Atlantis"], DirectoryRefused, "unknown county 'Atlantis'"),
        (["Brown", "Door", "Door"], DirectoryRefused, "listed twice"),
    ],
)
def test_counties_that_cannot_be(
    small: Directory, counties: list[str], error: type[Exception], words: str
) -> None:
    with pytest.raises(error) as caught:
        rules.change_consortium(small, "bay_lake", counties=counties)
    assert isinstance(caught.value, DirectoryRefused)
    assert caught.value.field == "counties" and words in caught.value.detail


def test_a_new_consortium_takes_its_counties(small: Directory) -> None:
    after = rules.add_consortium(
        small, _new(counties=["Door"], numbers=[_number("9205550150", "Door agency")])
    )
    assert after.serving("Door").id == "lakeshore"
    assert after.consortium("bay_lake").counties == ["Brown"]  # type: ignore[union-attr]
    assert after.owner_of("9205550150") == after.consortium("lakeshore")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"id": "bay_lake"}, "id"),
        ({"name": "Bay Lake Consortium"}, "name"),
        ({"phone": "9205550142"}, "phone"),
        ({"numbers": [_number("6085550177")]}, "numbers"),
        ({"counties": ["Oz"]}, "counties"),
        ({"numbers": [_number("8885550120")]}, "consortium"),  # its own main number twice
    ],
)
def test_a_new_consortium_that_clashes(
    small: Directory, changes: dict[str, object], field: str
) -> None:
    with pytest.raises(DirectoryRefused) as caught:
        rules.add_consortium(small, _new(**changes))
    assert caught.value.field == field


def test_removing_a_consortium(small: Directory) -> None:
    after = rules.remove_consortium(small, "empty")
    assert after.consortium("empty") is None
    assert after.owner_of("8885550199") is None


@pytest.mark.parametrize(
    ("consortium", "error", "field"),
    [
        ("capital", DirectoryConflict, "id"),  # home
        ("bay_lake", DirectoryConflict, "counties"),  # still serves counties
        ("atlantis", NotInDirectory, "consortium"),
    ],
)
def test_what_cannot_be_removed_from_the_consortia(
    small: Directory, consortium: str, error: type[Exception], field: str
) -> None:
    with pytest.raises(error) as caught:
        rules.remove_consortium(small, consortium)
    assert isinstance(caught.value, DirectoryRefused) and caught.value.field == field


def test_allow_and_disallow(small: Directory) -> None:
    after = rules.allow(small, AllowedNumber(number="608.555.0188", label="Energy assistance"))
    assert after.allows("6085550188")
    assert not rules.disallow(after, "tel:+16085550188").allows("6085550188")


@pytest.mark.parametrize(
    ("number", "words"),
    [
        ("8885550102", "belongs to Bay Lake Consortium (bay_lake): callers are given"),
        ("9205550142", "belongs to Bay Lake Consortium (bay_lake)"),
        ("8885550101", "belongs to Capital Consortium (capital)"),
        ("6085550177", "is already allow-listed: Legal aid"),
    ],
)
def test_a_consortium_s_number_is_never_allowed(small: Directory, number: str, words: str) -> None:
    with pytest.raises(DirectoryConflict) as caught:
        rules.allow(small, AllowedNumber(number=number, label="x"))
    assert caught.value.field == "number" and words in caught.value.detail


def test_disallowing_what_is_not_allowed(small: Directory) -> None:
    with pytest.raises(NotInDirectory):
        rules.disallow(small, "6085550188")
    with pytest.raises(DirectoryRefused):
        rules.disallow(small, "not a number")


EDITS: list[Callable[[Directory], Directory]] = [
    lambda d: rules.add_number(d, "capital", _number("6085550111")),
    lambda d: rules.remove_number(d, "bay_lake", "9205550142"),
    lambda d: rules.change_consortium(d, "empty", counties=["Dane"], phone="8885550198"),
    lambda d: rules.add_consortium(d, _new(counties=["Brown", "Door"])),
    lambda d: rules.remove_consortium(d, "empty"),
    lambda d: rules.allow(d, AllowedNumber(number="6085550112", label="x")),
    lambda d: rules.disallow(d, "6085550177"),
]


@pytest.mark.parametrize("edit", EDITS)
def test_every_edit_yields_a_directory_that_meets_every_rule(
    small: Directory, edit: Callable[[Directory], Directory]
) -> None:
    before = small.model_dump()
    after = edit(small)
    assert small.model_dump() == before
    assert Directory.model_validate(after.model_dump()) == after
    served = [county for c in after.consortia for county in c.counties]
    assert sorted(served) == sorted(after.counties.values())
