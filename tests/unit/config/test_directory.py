"""The directory's model: the rules that the seed file, the database's content and every edit
meet, and the snapshot's answers to the transfer routing (`owner_of`, `allows`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from ccc_telephony.config.directory import Directory, load_directory
from ccc_telephony.config.policy import PolicyError
from ccc_telephony.config.settings import DEFAULT_DIRECTORY


def _data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "counties": {13: "Dane", 5: "Brown"},
        "home": "capital",
        "consortia": [
            {"id": "capital", "name": "Capital", "phone": "8885550101", "counties": ["Dane"]},
            {
                "id": "bay_lake",
                "name": "Bay Lake",
                "phone": "+1 888 555 0102",
                "counties": ["Brown"],
                "numbers": [{"number": "920.555.0142", "label": "Brown County"}],
            },
        ],
        "allowed": [{"number": "tel:+1-608-555-0177", "label": "Legal aid"}],
    }
    data.update(changes)
    return data


def _refused(data: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as caught:
        Directory.model_validate(data)
    return str(caught.value)


def test_the_shipped_directory_is_valid(directory: Directory) -> None:
    assert len(directory.consortia) == 12
    assert directory.home_consortium.id == "capital"
    assert directory.allowed == []


def test_numbers_are_kept_normalised() -> None:
    d = Directory.model_validate(_data())
    bay_lake = d.consortia[1]
    assert bay_lake.phone == "8885550102"
    assert bay_lake.all_numbers == ["8885550102", "9205550142"]
    assert d.allowed[0].number == "6085550177"


def test_owner_of_is_any_number_of_another_consortium_in_any_form() -> None:
    d = Directory.model_validate(_data())
    assert d.owner_of("8885550102") is d.consortia[1]
    assert d.owner_of("9205550142") is d.consortia[1]
    assert d.owner_of("+1 (920) 555-0142") is d.consortia[1]
    assert d.owner_of("sip:19205550142@pbx;user=phone") is d.consortia[1]


def test_the_home_consortium_and_strangers_are_owned_by_nobody() -> None:
    d = Directory.model_validate(_data())
    assert d.owner_of("8885550101") is None  # home's own number
    assert d.owner_of("6085550177") is None  # allow-listed
    assert d.owner_of("3101") is None
    assert d.owner_of("") is None


def test_allows_only_the_allow_list() -> None:
    d = Directory.model_validate(_data())
    assert d.allows("6085550177")
    assert d.allows("608-555-0177")
    assert not d.allows("8885550102")
    assert not d.allows("6085550178")
    assert not d.allows("garbage")
    assert not Directory.model_validate(_data(allowed=[])).allows("6085550177")


@pytest.mark.parametrize(
    ("number", "where"),
    [("8885550101", "consortia.capital"), ("9205550142", "consortia.bay_lake")],
)
def test_a_number_is_one_consortium_s_or_allowed_never_both(number: str, where: str) -> None:
    message = _refused(_data(allowed=[{"number": number, "label": "x"}]))
    assert f"allowed: number {number} is already in {where}" in message


def test_a_number_cannot_belong_to_two_consortia() -> None:
    data = _data()
    data["consortia"][0]["numbers"] = [{"number": "9205550142", "label": "copy"}]
    assert "number 9205550142 is already in" in _refused(data)
    data = _data()
    data["consortia"][1]["phone"] = "8885550101"
    assert "number 8885550101 is already in consortia.capital" in _refused(data)


def test_every_county_is_served_once() -> None:
    data = _data()
    data["consortia"][1]["counties"] = ["Brown", "Dane"]
    assert "county 'Dane' already served by capital" in _refused(data)
    data["consortia"][1]["counties"] = []
    assert "'Brown' is served by no consortium" in _refused(data)
    data["consortia"][1]["counties"] = ["Brown", "Atlantis"]
    assert "unknown county 'Atlantis'" in _refused(data)


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (lambda d: d["consortia"][1].update(id="capital"), "id 'capital' is used 2 times"),
        (lambda d: d["consortia"][1].update(name="CAPITAL"), "is used by another consortium"),
        (lambda d: d["consortia"][1].update(id="Bay Lake"), "consortia.1.id"),
        (lambda d: d["consortia"][1].update(name="Bay\nLake"), "consortia.1.name"),
        (lambda d: d["consortia"][1].update(phone="555-0102"), "not a North American"),
        (lambda d: d["consortia"][1].update(phone=8885550102), "must be text"),
        (lambda d: d["consortia"][1].update(phone="0885550102"), "consortia.1.phone"),
        (lambda d: d["consortia"][1]["numbers"][0].update(label=""), "numbers.0.label"),
        (lambda d: d["consortia"][1]["numbers"][0].update(extra=1), "numbers.0.extra"),
        (lambda d: d["allowed"][0].update(number="*70"), "allowed.0.number"),
        (lambda d: d.update(home="nowhere"), "home: 'nowhere' is not a consortium id"),
        (lambda d: d.update(counties={13: "Dane", 5: "Brown", 1000: "Xanadu"}), "codes must be 1"),
        (lambda d: d.update(counties={13: "Dane", 5: "Brown", 6: "Brown"}), "under two codes"),
    ],
)
def test_what_the_model_refuses(edit: Any, words: str) -> None:
    data = _data()
    edit(data)
    assert words in _refused(data)


def test_a_bad_seed_file_names_the_key(tmp_path: Path) -> None:
    data = yaml.safe_load(DEFAULT_DIRECTORY.read_text())
    data["consortia"][3]["numbers"] = [{"number": "8885550101", "label": "typo"}]
    path = tmp_path / "consortia.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(PolicyError, match=r"number 8885550101 is already in consortia\.capital"):
        load_directory(path)


def test_the_same_directory_in_any_order_is_equal() -> None:
    """The file, the database and an edit list counties and numbers in their own orders."""
    shuffled = _data()
    shuffled["counties"] = {5: "Brown", 13: "Dane", 40: "Milwaukee"}
    shuffled["consortia"][1]["counties"] = ["Milwaukee", "Brown"]
    shuffled["consortia"][1]["numbers"] += [{"number": "4145550100", "label": "MES"}]
    ordered = _data()
    ordered["counties"] = {13: "Dane", 5: "Brown", 40: "Milwaukee"}
    ordered["consortia"][1]["counties"] = ["Brown", "Milwaukee"]
    ordered["consortia"][1]["numbers"].insert(0, {"number": "414-555-0100", "label": "MES"})
    assert Directory.model_validate(shuffled) == Directory.model_validate(ordered)
    assert Directory.model_validate(shuffled).consortia[1].all_numbers == [
        "8885550102",
        "4145550100",
        "9205550142",
    ]
