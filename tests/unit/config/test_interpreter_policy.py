"""The policy's interpreter lines: per language or one for all, local endpoint or outside
number, and nothing else."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from ccc_telephony.config.interpreters import Interpreters, dial
from ccc_telephony.config.policy import Policy


def test_a_language_without_its_own_line_has_the_line_for_all() -> None:
    lines = Interpreters(line="6085550188", lines={"hmn": "6085550189"})
    assert (lines.line_for("hmn"), lines.line_for("so")) == ("6085550189", "6085550188")
    assert Interpreters(line=None, lines={"es": "PJSIP/desk-7"}).line_for("so") is None


@pytest.mark.parametrize(
    "line", ["1608555018", "608555018", "sip:x@y", "PJSIP/a b", "Local/1@ccc-outbound", "9,x"]
)
def test_a_line_is_an_endpoint_or_ten_digits(line: str) -> None:
    with pytest.raises(ValidationError):
        Interpreters(line=line)


def test_an_outside_number_goes_out_through_the_carrier_route() -> None:
    outside = dial("6085550188")
    assert outside.endpoint == "Local/6085550188@ccc-outbound"
    assert outside.variables == {"CCC_CONSULT": "1"}  # unanswered: hung up, never queued
    assert dial("PJSIP/language-line").endpoint == "PJSIP/language-line"


def test_lines_name_configured_languages_only(policy: Policy) -> None:
    raw = policy.model_dump()
    raw["interpreters"] = {"lines": {"xx": "6085550188"}, "id_min_digits": 9, "id_max_digits": 4}
    with pytest.raises(ValidationError) as caught:
        Policy.model_validate(raw)
    assert "interpreters.lines.xx: not a configured language" in str(caught.value)
    assert "interpreters.id_min_digits" in str(caught.value)
