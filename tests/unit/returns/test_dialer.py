"""What the dialer dials and what a hang-up cause means."""

from __future__ import annotations

import pytest

from ccc_telephony.returns.dialer import NotDialable, caller_channel, dialable, new_tag, outcome_of


@pytest.mark.parametrize(
    ("raw", "dialled"),
    [
        ("6085550142", "6085550142"),
        ("+1 (608) 555-0142", "6085550142"),
        ("1-608-555-0142", "6085550142"),
    ],
)
def test_ten_digits_whatever_the_form(raw: str, dialled: str) -> None:
    assert dialable(raw) == dialled


@pytest.mark.parametrize("raw", [None, "", "anonymous", "3951", "+44 20 7946 0958", "0085550142"])
def test_anything_else_is_refused(raw: str | None) -> None:
    with pytest.raises(NotDialable):
        dialable(raw)


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
