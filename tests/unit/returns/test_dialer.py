"""What the dialer dials and what a hang-up cause means."""

from __future__ import annotations

import pytest

from ccc_telephony.config.returns import DialBack
from ccc_telephony.returns.dialer import NotDialable, caller_channel, dialable, new_tag, outcome_of

RULES = DialBack()


@pytest.mark.parametrize(
    ("raw", "dialled"),
    [
        ("6085550142", "6085550142"),
        ("+1 (608) 555-0142", "6085550142"),
        ("1-608-555-0142", "6085550142"),
    ],
)
def test_ten_digits_whatever_the_form(raw: str, dialled: str) -> None:
    assert dialable(raw, RULES) == dialled


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "anonymous",
        "3951",
        "+44 20 7946 0958",
        "0085550142",
        # Toll fraud: a caller controls their caller ID and what they key.
        "9005550142",  # premium
        "6089765555",  # a premium 976 exchange
        "+1 876 555 0142",  # Jamaica
        "8095550142",  # the Dominican Republic
        "2045550142",  # Canada
        "8005550142",  # not a place
        "4115550142",  # N11 as an area code
        "6084115555",  # N11 as an exchange
    ],
)
def test_anything_else_is_refused(raw: str | None) -> None:
    with pytest.raises(NotDialable):
        dialable(raw, RULES)


def test_the_policys_prefixes_decide_the_rest() -> None:
    assert dialable("7875550142", RULES) == "7875550142"  # Puerto Rico is in the US
    canada = DialBack(allowed_prefixes=["204"])
    assert dialable("2045550142", canada) == "2045550142"
    with pytest.raises(NotDialable):  # allowed or not, N11 and 976 never are
        dialable("2049765555", canada)
    county = DialBack(blocked_prefixes=["608555"], allowed_prefixes=["6085550142"])
    assert dialable("6085550142", county) == "6085550142"
    with pytest.raises(NotDialable):
        dialable("6085550143", county)


@pytest.mark.parametrize(
    ("cause", "result"),
    [
        (17, "busy"),
        (19, "no_answer"),
        (18, "no_answer"),
        (0, "no_answer"),
        (34, "failed"),
        (1, "failed"),
        (21, "failed"),
    ],
)
def test_causes(cause: int, result: str) -> None:
    assert outcome_of(cause) == result


def test_a_tag_names_the_callers_channel_before_it_is_dialled() -> None:
    """A queue callback records the caller's channel first (`connect(tag=...)`)."""
    tag = new_tag()
    assert len(tag) == 32 and int(tag, 16) >= 0
    assert caller_channel(tag) == f"return-{tag}-caller"
    assert new_tag() != tag
