"""What a connection may ask to follow: unknown topics, queues and agents are refused with the
parameter named; an agent follows only themself."""

from __future__ import annotations

import pytest

from ccc_telephony.live.access import BadFilter, Filters, filters_of
from ccc_telephony.web.auth import ADMIN, Principal
from tests.unit.staff import ROSTER, principal

QUEUES = frozenset({"ebd", "family"})


def _filters(query: dict[str, str], who: Principal = ADMIN) -> Filters:
    return filters_of(query, principal=who, queues=QUEUES, roster=ROSTER)


def test_everything_by_default_and_the_topics_asked() -> None:
    assert _filters({}) == Filters()
    asked = _filters({"topics": "calls, agents", "queue": "ebd", "agent": "ann"})
    assert asked == Filters(topics=frozenset({"calls", "agents"}), queue="ebd", agent="ann")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"topics": "calls,wallboard"}, "topics: unknown wallboard; one or more of calls"),
        ({"topics": ","}, r"topics: unknown \(none given\)"),
        ({"queue": "ebd_hmn"}, "queue: not a queue; one of ebd, family"),
        ({"agent": "nobody"}, "agent: not an agent in the roster"),
    ],
)
def test_a_wrong_parameter_is_named(query: dict[str, str], message: str) -> None:
    with pytest.raises(BadFilter, match=message) as refused:
        _filters(query)
    assert not refused.value.forbidden


def test_an_agent_follows_only_themself_a_head_anyone() -> None:
    assert _filters({"agent": "ann"}, principal("ann")).agent == "ann"
    assert _filters({"agent": "ann"}, principal("lead")).agent == "ann"
    with pytest.raises(BadFilter, match="only themself") as refused:
        _filters({"agent": "bob"}, principal("ann"))
    assert refused.value.forbidden
