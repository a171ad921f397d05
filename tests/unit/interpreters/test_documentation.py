"""What an agent may document of an interpreter, from the screen or the phone's keys."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from ccc_telephony.interpreters.documentation import Documentation, InvalidKeyedId, keyed_id


def test_a_later_documentation_keeps_what_it_does_not_repeat() -> None:
    first = Documentation(name="Rosa Díaz", interpreter_id="4521")
    later = first.merged(Documentation(role="Spanish interpreter"))
    assert later.details() == {
        "name": "Rosa Díaz",
        "role": "Spanish interpreter",
        "interpreter_id": "4521",
    }


@pytest.mark.parametrize(
    "fields",
    [
        {"name": "Rosa 123-45-6789"},  # never an SSN (nor any digits) in a name
        {"role": "x" * 81},
        {"name": "   "},
        {"name": "Rosa\nDíaz"},
        {"interpreter_id": "45 21"},
        {"interpreter_id": "1" * 21},
        {"interpreter_id": "123456789"},  # an SSN's shapes: never kept with the call
        {"interpreter_id": "123-45-6789"},
        {"surname": "Díaz"},
    ],
)
def test_untrusted_documentation_is_refused(fields: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        Documentation.model_validate(fields)


def test_a_relationship_is_a_role() -> None:
    assert Documentation(role="the caller's daughter").role == "the caller's daughter"


@pytest.mark.parametrize("keyed", ["", "12", "1234567890123", "12*4", "١٢٣٤", "123456789"])
def test_keyed_ids_are_digits_of_the_policys_length(keyed: str) -> None:
    with pytest.raises(InvalidKeyedId):
        keyed_id(keyed, min_digits=3, max_digits=12)


def test_a_keyed_id() -> None:
    assert keyed_id("4521", min_digits=3, max_digits=12) == "4521"
