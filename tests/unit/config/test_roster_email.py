"""A supervisor's e-mail address on the roster is one plain address: nothing that could carry a
second header or recipient into a message."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from ccc_telephony.config.agents import RosterAgent


def _agent(email: str) -> RosterAgent:
    return RosterAgent(id="sam", name="Sam", extension="3150", team="ebd", email=email)


def test_a_plain_address_is_kept() -> None:
    assert _agent("sam.berg+ccc@agency.example").email == "sam.berg+ccc@agency.example"


@pytest.mark.parametrize(
    "email",
    [
        "sam@agency.example\nBcc: all@example.org",
        "sam@agency.example\n",
        "Sam Berg <sam@agency.example>",
        "sam@agency.example, other@example.org",
        "sam",
        "@agency.example",
        "x" * 65 + "@agency.example",
    ],
)
def test_anything_else_is_refused(email: str) -> None:
    with pytest.raises(ValidationError):
        _agent(email)
