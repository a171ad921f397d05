"""Returning messages' rules (returns/rules.py) on the default policy (Mon-Fri, Chicago, its
holidays; the day's check at 16:30; the flag an hour before): whose end-of-day list a message
is on, when the check is due, what its e-mail says (no SSN, a caller's number only as staff
write it), and where an attempt leaves a message."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from ccc_telephony.config.agents import Team
from ccc_telephony.config.policy import Policy
from ccc_telephony.hours.workdays import Workdays
from ccc_telephony.mail import _SSN_SHAPE
from ccc_telephony.messages.book import brief
from ccc_telephony.returns import rules
from ccc_telephony.store.messages import ActionRow, MessageRow, Source, State
from tests.unit.staff import ROSTER

CHICAGO = ZoneInfo("America/Chicago")
QUEUES: dict[Team, str] = {"ebd": "ebd", "family": "family"}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CHICAGO)


def message(
    id_: int = 1,
    *,
    owner: str | None = "ann",
    mailbox: str | None = "ann",
    queue: str | None = "ebd",
    source: Source = "mailbox",
    number: str | None = "6085550143",
    state: State = "new",
    attempts: int = 0,
) -> MessageRow:
    received = at("2026-12-02T09:00")
    return MessageRow(
        id=id_,
        source=source,
        mailbox=mailbox,
        queue=queue,
        owner=owner,
        call_id=f"call-{id_}",
        caller_number=number,
        language="en",
        case_number="1234567890",
        received_at=received,
        duration_seconds=Decimal("3.0"),
        recording=f"message-{id_}",
        due_at=at("2026-12-02T16:30"),
        state=state,
        state_at=received,
        state_by="system",
        attempts=attempts,
        warned_at=None,
    )


# --- when the day's check is due --------------------------------------------------------------
@pytest.mark.parametrize(
    ("now", "day"),
    [
        ("2026-12-02T16:29", None),  # a Wednesday, before the check's time
        ("2026-12-02T16:30", "2026-12-02"),
        ("2026-12-02T23:59", "2026-12-02"),  # still today, local time
        ("2026-12-05T16:45", None),  # Saturday
        ("2026-12-25T16:45", None),  # Christmas Day: a holiday in the default policy
    ],
)
def test_the_check_is_due_on_business_days_from_its_time(
    policy: Policy, now: str, day: str | None
) -> None:
    found = rules.check_day(at(now), CHICAGO, Workdays(policy), time(16, 30))
    assert (found.isoformat() if found else None) == day


def test_the_check_reads_the_local_day_not_utc(policy: Policy) -> None:
    # 22:45 UTC Wednesday is 16:45 in Chicago (due); 00:30 UTC Thursday is still Wednesday.
    workdays = Workdays(policy)
    utc = ZoneInfo("UTC")
    assert rules.check_day(
        datetime(2026, 12, 2, 22, 45, tzinfo=utc), CHICAGO, workdays, time(16, 30)
    )
    found = rules.check_day(
        datetime(2026, 12, 3, 0, 30, tzinfo=utc), CHICAGO, workdays, time(16, 30)
    )
    assert found is not None and found.isoformat() == "2026-12-02"


def test_the_flag_looks_the_warning_time_ahead() -> None:
    now = at("2026-12-02T15:31")
    assert rules.warn_from(now, 60) == at("2026-12-02T16:31")
    # A message due on the next business day (Thursday noon) is not flagged on Wednesday.
    assert not at("2026-12-03T12:00") < rules.warn_from(at("2026-12-02T16:30"), 60)


# --- whose list -------------------------------------------------------------------------------
def _heads(row: MessageRow) -> list[str]:
    return sorted(h.id for h in rules.supervisors_for(row, ROSTER, QUEUES))


def test_a_staff_message_is_on_the_named_supervisors_list() -> None:
    assert _heads(message()) == ["boss"]  # Ann names Boss
    assert _heads(message(owner="cy", mailbox="cy", queue="family")) == ["boss"]


def test_with_no_supervisor_named_the_units_supervisors() -> None:
    assert _heads(message(owner="bob", mailbox="bob")) == ["boss", "boss2"]


def test_an_after_hours_message_nobody_took_is_its_queues_teams() -> None:
    row = message(owner=None, mailbox=None, queue="family", source="after_hours")
    assert _heads(row) == ["fam"]


def test_an_after_hours_message_taken_is_the_takers_supervisors() -> None:
    row = message(owner="ann", mailbox=None, queue="family", source="after_hours")
    assert _heads(row) == ["boss"]


def test_a_message_whose_people_left_the_roster_is_never_on_nobodys_list() -> None:
    assert _heads(message(owner="gone", mailbox="gone", queue="family")) == ["fam"]
    every = ["boss", "boss2", "fam"]
    assert _heads(message(owner="gone", mailbox="gone", queue="elsewhere")) == every


def test_each_supervisor_gets_their_own_list_in_the_order_given() -> None:
    rows = [message(1), message(2, owner="dee", mailbox="dee", queue="family"), message(3)]
    lists = rules.lists_of(rows, ROSTER, QUEUES)
    assert {head: [m.id for m in found] for head, found in lists.items()} == {
        "boss": [1, 3],
        "fam": [2],
    }
    assert rules.lists_of([], ROSTER, QUEUES) == {}


def test_the_operator_queues_message_is_on_every_supervisors_list() -> None:
    for queue in ("operator", None):
        row = message(owner=None, mailbox=None, queue=queue, source="after_hours")
        assert _heads(row) == ["boss", "boss2", "fam"]


@pytest.mark.parametrize("named", ["lead", "bob"])
def test_a_roster_naming_a_lead_or_a_worker_as_supervisor_gives_them_the_list(named: str) -> None:
    """The roster allows any agent as someone's `supervisor`: the day's check must not fail
    (it once had lists for role supervisor only), and the person named gets the list."""
    roster = dict(ROSTER)
    roster["dee"] = ROSTER["dee"].model_copy(update={"supervisor": named})
    rows = [message(1), message(2, owner="dee", mailbox="dee", queue="family")]
    lists = rules.lists_of(rows, roster, QUEUES)
    assert {head: [m.id for m in found] for head, found in lists.items()} == {
        "boss": [1],
        named: [2],
    }
    assert list(lists) == [a for a in roster if a in lists]  # the roster's order


# --- the e-mail -------------------------------------------------------------------------------
def test_the_notice_lists_each_message_without_anything_shaped_like_an_ssn() -> None:
    rows = [
        message(1),
        message(2, number="212345678"),  # nine digits a caller sent as caller ID
        message(3, number=None),
    ]
    subject, body = rules.day_notice(
        ROSTER["boss"], rows, ROSTER, at("2026-12-02T16:30").date(), CHICAGO
    )
    assert subject == "Messages not yet returned: 3 (2026-12-02)"
    assert "- #1 (mailbox ann) for Ann Lee: caller 608-555-0143" in body
    assert "due Wed 2026-12-02 16:30" in body
    assert "#2 (mailbox ann) for Ann Lee: caller not a number to call back" in body
    assert "#3 (mailbox ann) for Ann Lee: caller unknown" in body
    assert "1234567890" not in body  # the case number stays in the tools
    assert not _SSN_SHAPE.search(subject + body)


def test_the_notice_names_an_after_hours_queue_and_nobody_yet() -> None:
    row = message(owner=None, mailbox=None, queue="family", source="after_hours")
    _, body = rules.day_notice(ROSTER["fam"], [row], ROSTER, at("2026-12-02T16:30").date(), CHICAGO)
    assert "(after hours, queue family) for nobody yet" in body


@pytest.mark.parametrize(
    ("number", "shown"),
    [
        ("6085550143", "608-555-0143"),
        ("+16085550143", "608-555-0143"),
        ("3955", "not a number to call back"),
        ("212345678", "not a number to call back"),
        (None, "unknown"),
    ],
)
def test_a_callers_number_as_staff_write_it(number: str | None, shown: str) -> None:
    assert rules.shown_number(number) == shown


# --- attempts ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("attempts", "state", "unreachable"),
    [
        (2, "returning", False),
        (3, "returning", True),
        (4, "returning", True),
        (3, "returned", False),
    ],
)
def test_the_policys_last_failed_attempt_makes_it_unreachable(
    attempts: int, state: State, unreachable: bool
) -> None:
    assert rules.unreachable_after(attempts, 3, state) is unreachable


@pytest.mark.parametrize(
    ("before", "attempts", "back"),
    [
        ("new", 0, "new"),
        ("heard", 0, "heard"),
        ("heard", 1, "returning"),  # an earlier attempt rang the caller: still being returned
        ("returning", 0, "returning"),
    ],
)
def test_an_agent_not_answering_their_phone_puts_the_message_back(
    before: State, attempts: int, back: State
) -> None:
    assert rules.back_from_returning(before, attempts) == back


# --- a return call a restart cut off ----------------------------------------------------------
def _action(action: str, **details: str) -> ActionRow:
    return ActionRow(
        id=0, message_id=1, at=at("2026-12-02T10:00"), who="ann", action=action, details=details
    )


def test_a_return_started_and_never_ended_was_interrupted() -> None:
    left = _action("left")
    started = _action("return_started", agent="ann", **{"from": "heard"})
    assert rules.interrupted_from([left, started]) == "heard"
    assert rules.interrupted_from([left, started, _action("attempt", result="busy")]) is None
    assert rules.interrupted_from([left]) is None
    again = [left, started, _action("attempt"), _action("return_started", **{"from": "returning"})]
    assert rules.interrupted_from(again) == "returning"
    assert rules.interrupted_from([left, _action("return_started")]) == "heard"  # older rows
    done = [left, started, _action("return_interrupted")]
    assert rules.interrupted_from(done) is None


def test_the_json_says_when_the_flag_went_and_whether_it_is_overdue() -> None:
    row = replace(message(), warned_at=at("2026-12-02T15:30"))
    assert brief(row, now=at("2026-12-02T16:00"))["overdue"] is False
    shown = brief(row, now=at("2026-12-02T16:30"))
    assert (shown["overdue"], shown["warned_at"]) == (True, "2026-12-02T15:30:00-06:00")
    assert brief(replace(row, state="returned"), now=at("2026-12-03T09:00"))["overdue"] is False
    assert brief(message())["overdue"] is None and brief(message())["warned_at"] is None
