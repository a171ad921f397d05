"""What a wrap-up must hold (a disposition of the policy's, no SSN, an abusive-call note when
the agent ended the call as abusive), and whose missing wrap-ups a principal follows."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from ccc_telephony.config.conduct import DEFAULT_DISPOSITIONS, Wrapups
from ccc_telephony.store.contacts import ContactRow
from ccc_telephony.web.auth import ADMIN
from ccc_telephony.wrapups.rules import BadWrapup, checked, note_required, whose
from tests.unit.staff import ROSTER, principal

AT = datetime(2027, 1, 5, 16, 0, tzinfo=UTC)


def _contact(*, abusive: bool = False) -> ContactRow:
    return ContactRow(
        id=1,
        kind="inbound_call",
        call_id="c1",
        agent_id="ann",
        started_at=AT,
        ended_at=AT,
        due_at=AT,
        abusive=abusive,
        disposition=None,
        comment=None,
        first_contact_resolved=None,
        interpreter_used=None,
        abusive_note=None,
        recorded_by=None,
        recorded_at=None,
    )


def _check(contact: ContactRow, **given: Any) -> Any:
    fields: dict[str, Any] = {
        "disposition": "renewal",
        "comment": " Renewal form re-sent. ",
        "first_contact_resolved": True,
        "interpreter_used": False,
        "abusive_note": None,
    }
    return checked(contact, DEFAULT_DISPOSITIONS, **(fields | given))


def test_a_wrapup_is_kept_trimmed() -> None:
    kept = _check(_contact())
    assert (kept.disposition, kept.comment, kept.first_contact_resolved) == (
        "renewal",
        "Renewal form re-sent.",
        True,
    )


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        ({"disposition": "chat"}, "disposition: one of"),
        ({"comment": "her SSN is 212-34-5678"}, "comment: looks like it holds a Social"),
        ({"comment": "x" * 4001}, "comment: at most 4000"),
        ({"comment": "bell\x07"}, "comment: control characters"),
    ],
)
def test_a_wrapup_that_cannot_be_kept_is_refused_by_field(
    given: dict[str, Any], problem: str
) -> None:
    with pytest.raises(BadWrapup, match=problem):
        _check(_contact(), **given)


def test_an_abusive_call_needs_its_note() -> None:
    contact = _contact(abusive=True)
    assert note_required(contact)
    with pytest.raises(BadWrapup, match="abusive_note: required"):
        _check(contact, abusive_note="  ")
    kept = _check(contact, abusive_note="Repeated profanity after a warning.")
    assert kept.abusive_note == "Repeated profanity after a warning."
    assert not note_required(_contact())


def test_who_follows_whose_missing_wrapups() -> None:
    assert whose(ADMIN, ROSTER) is None
    # Their team, and whom they supervise in another team.
    unit = frozenset({"boss", "boss2", "lead", "ann", "bob", "cy"})
    assert whose(principal("boss"), ROSTER) == unit
    assert whose(principal("ann"), ROSTER) == frozenset({"ann"})


def test_the_policy_lists_distinct_dispositions() -> None:
    with pytest.raises(ValueError, match="listed twice"):
        Wrapups(dispositions=["renewal", "renewal"])
    with pytest.raises(ValueError, match="at least one"):
        Wrapups(dispositions=[])
