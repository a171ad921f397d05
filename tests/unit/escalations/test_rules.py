"""The follow-up rules: when a follow-up is overdue, which answers may follow which status, what
a note may hold, and who may see and answer whose follow-ups."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from ccc_telephony.config.agents import RosterAgent
from ccc_telephony.escalations.rules import (
    NOTE_MAX_CHARS,
    BadNote,
    MarkRefused,
    check_mark,
    clean_note,
    is_overdue,
    reader_of,
)
from ccc_telephony.store.escalations import FollowupRow
from ccc_telephony.web.auth import ADMIN, Principal

NOW = datetime.now(UTC)
DUE = NOW + timedelta(hours=1)


@pytest.mark.parametrize(
    ("status", "now", "overdue"),
    [
        ("open", DUE - timedelta(seconds=1), False),
        ("open", DUE, False),  # due now: not yet passed
        ("open", DUE + timedelta(seconds=1), True),
        ("researching", DUE + timedelta(days=3), False),  # "still researching" is an answer
        ("resolved", DUE + timedelta(days=3), False),
        ("returned", DUE + timedelta(days=3), False),  # nobody owes it
    ],
)
def test_overdue_is_an_open_follow_up_past_its_due_time(
    status: str, now: datetime, overdue: bool
) -> None:
    assert is_overdue(status, DUE, now) is overdue


@pytest.mark.parametrize(
    ("current", "to", "allowed"),
    [
        ("open", "researching", True),
        ("open", "resolved", True),
        ("researching", "researching", True),
        ("researching", "resolved", True),
        ("resolved", "researching", False),
        ("resolved", "resolved", False),
        ("returned", "researching", False),
        ("returned", "resolved", False),
    ],
)
def test_which_answer_may_follow_which_status(current: str, to: Any, allowed: bool) -> None:
    if allowed:
        check_mark(current, to)
    else:
        with pytest.raises(MarkRefused):
            check_mark(current, to)


def test_the_refusal_says_why() -> None:
    with pytest.raises(MarkRefused, match="already resolved"):
        check_mark("resolved", "resolved")
    with pytest.raises(MarkRefused, match="before a lead answered"):
        check_mark("returned", "researching")


def test_a_note_is_required_to_resolve_and_optional_while_researching() -> None:
    for empty in (None, "", "   \n"):
        with pytest.raises(BadNote, match="note: required to resolve"):
            clean_note(empty, "resolved")
        assert clean_note(empty, "researching") is None
    assert clean_note("  Told Maria: the notice was sent.\n", "resolved") == (
        "Told Maria: the notice was sent."
    )


def test_a_note_is_length_limited() -> None:
    assert clean_note("x" * NOTE_MAX_CHARS, "resolved") == "x" * NOTE_MAX_CHARS
    with pytest.raises(BadNote, match=f"at most {NOTE_MAX_CHARS} characters"):
        clean_note("x" * (NOTE_MAX_CHARS + 1), "resolved")


@pytest.mark.parametrize("ssn", ["123-45-6789", "123 45 6789", "123456789", "SSN:123456789."])
def test_a_note_never_keeps_an_ssn(ssn: str) -> None:
    with pytest.raises(BadNote, match="Social Security number"):
        clean_note(f"caller gave {ssn} twice", "resolved")


@pytest.mark.parametrize(
    "text",
    [
        "case 1234567890 checked",
        "call her at 608-555-0100",
        "line 2\nand a\ttab",
        "notice 12 of 20",
    ],
)
def test_case_numbers_phone_numbers_and_newlines_are_fine(text: str) -> None:
    assert clean_note(text, "resolved") == text


def test_control_characters_are_refused() -> None:
    with pytest.raises(BadNote, match="control characters"):
        clean_note("look \x1b[2J here", "resolved")


# --- who sees and answers whose follow-ups --------------------------------------------------


def _agent(agent_id: str, extension: str, team: str, **extra: Any) -> RosterAgent:
    return RosterAgent(id=agent_id, name=agent_id, extension=extension, team=team, **extra)


ROSTER = {
    a.id: a
    for a in (
        _agent("lena", "3101", "family", role="lead"),
        _agent("maria", "3102", "family"),
        _agent("bo", "3103", "ebd", supervisor="lena"),
        _agent("tom", "3104", "ebd"),
    )
}


def _row(agent: str, lead: str | None = None) -> FollowupRow:
    return FollowupRow(
        id=uuid4(),
        call_id="call-1",
        agent_id=agent,
        target="help",
        reason="caller_request",
        from_lead_id=None,
        created_at=NOW,
        due_at=DUE,
        status="open",
        lead_id=lead,
        answered_at=None,
        returned_at=None,
        returned_why=None,
        note=None,
        updated_by=None,
        updated_at=None,
        resolved_at=None,
    )


def _reader(agent_id: str, role: Any) -> Any:
    return reader_of(Principal(name=agent_id, role=role, agent_id=agent_id), ROSTER)


def test_a_worker_sees_only_their_own_escalations_and_answers_none() -> None:
    maria = _reader("maria", "agent")
    assert maria.sees(_row("maria"))
    assert not maria.may_answer(_row("maria"))
    assert not maria.sees(_row("tom"))
    audience = maria.audience()
    assert audience is not None and audience.agents == {"maria"}


def test_a_lead_answers_for_their_team_the_people_they_supervise_and_what_they_answered() -> None:
    lena = _reader("lena", "lead")
    assert lena.may_answer(_row("maria"))  # same team
    assert lena.may_answer(_row("bo"))  # supervised, other team
    assert not lena.sees(_row("tom"))  # neither
    assert lena.may_answer(_row("tom", lead="lena"))  # she took the escalation
    audience = lena.audience()
    assert audience is not None
    assert audience.agents == {"lena", "maria", "bo"} and audience.lead == "lena"


def test_the_role_comes_from_the_token_not_the_roster() -> None:
    # Lena's token as a plain agent: no lead's powers, only her own and what she answered.
    lena = _reader("lena", "agent")
    assert not lena.sees(_row("maria"))
    assert lena.may_answer(_row("tom", lead="lena"))


def test_a_lead_token_for_someone_off_the_roster_gets_no_unit() -> None:
    ghost = _reader("ghost", "supervisor")
    assert not ghost.sees(_row("maria"))
    audience = ghost.audience()
    assert audience is not None and audience.agents == {"ghost"}


def test_the_admin_sees_and_answers_everything() -> None:
    admin = reader_of(ADMIN, ROSTER)
    assert admin.audience() is None
    assert admin.may_answer(_row("tom")) and admin.sees(_row("anyone"))
