"""Confidential tasks: what their fields may hold (never an SSN), how attempts move them on,
who is copied, who may see and work one, and what the notices say."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from ccc_telephony.confidential.rules import (
    BadField,
    NotYours,
    Reader,
    after_attempt,
    checked_case_number,
    checked_phone,
    due_soon_notice,
    leads_of,
    missing,
    overdue_notice,
    owed_notice,
    person_of,
)
from ccc_telephony.config.agents import RosterAgent
from ccc_telephony.store.confidential import CallbackRow
from ccc_telephony.web.auth import ADMIN
from tests.unit.staff import ROSTER, principal

AT = datetime(2026, 12, 8, 16, 0, tzinfo=UTC)
CHICAGO = ZoneInfo("America/Chicago")
PATTERN = r"^[0-9]{10}$"
SSN_SHAPE = re.compile(r"(?<![0-9])[0-9]{3}[- ]?[0-9]{2}[- ]?[0-9]{4}(?![0-9])")


def _task(**changes: object) -> CallbackRow:
    task = CallbackRow(
        id=7,
        call_id="1796173729.7",
        agent_id="bob",
        source="api",
        created_at=AT,
        created_by="bob (token 1)",
        worker_id="ann",
        caller_name="Mai Vang",
        case_number="4567890123",
        phone="6085550123",
        best_time="mornings",
        due_at=AT.replace(day=9),
        due_within=True,
        state="owed",
        attempts=0,
        state_at=AT,
        state_by="bob (token 1)",
        notified_at=AT,
        notified_to=["ann", "lead"],
        emailed_to=None,
        email_error=None,
        escalated_at=None,
        escalated_to=None,
        warned_at=None,
        warned_to=None,
        incomplete_flagged_at=None,
        incomplete_flagged_to=None,
    )
    return replace(task, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize("ssn", ["212345678", "212-34-5678", "212 34 5678", " 212345678 "])
def test_a_case_number_shaped_like_an_ssn_is_refused_as_one(ssn: str) -> None:
    with pytest.raises(BadField, match="Social Security"):
        checked_case_number(ssn, r"^[0-9]{9,10}$")  # even if the pattern would take it


def test_a_case_number_is_what_the_policy_writes() -> None:
    assert checked_case_number(" 4567890123 ", PATTERN) == "4567890123"
    for bad in ("45678901", "4567890123x", "4" * 40):
        with pytest.raises(BadField, match="not a case number"):
            checked_case_number(bad, PATTERN)


def test_the_phone_is_kept_as_the_carrier_is_dialled() -> None:
    assert checked_phone("+1 (608) 555-0123") == "6085550123"
    for bad in ("3101", "anonymous", "+44 20 7946 0958"):
        with pytest.raises(BadField, match="phone"):
            checked_phone(bad)


def test_missing_names_what_the_worker_must_still_be_told() -> None:
    assert missing(_task()) == []
    assert missing(_task(worker_id=None, best_time=None)) == ["worker_id", "best_time"]


def test_an_answer_keeps_the_promise_and_the_last_failed_attempt_ends_it() -> None:
    assert after_attempt(_task(), "answered", 3) == "done"
    assert after_attempt(_task(), "no_answer", 3) == "returning"
    assert after_attempt(_task(attempts=1, state="returning"), "busy", 3) == "returning"
    assert after_attempt(_task(attempts=2, state="returning"), "failed", 3) == "unreachable"


def test_the_leads_of_the_workers_unit_are_copied_else_their_supervisors() -> None:
    assert [a.id for a in leads_of(ROSTER["ann"], ROSTER)] == ["lead"]
    # Family has no lead: Dee's supervisors instead.
    assert [a.id for a in leads_of(ROSTER["dee"], ROSTER)] == ["fam"]
    # Cy (Family) names Boss (EBD) as supervisor: Boss's unit, not EBD's lead.
    assert [a.id for a in leads_of(ROSTER["cy"], ROSTER)] == ["boss"]


def test_with_nobody_in_the_unit_every_supervisor_is_told_never_nobody() -> None:
    loner = RosterAgent(id="eve", name="Eve", extension="3009", team="family", supervisor="gone")
    roster = {a.id: a for a in ROSTER.values() if a.id != "fam"} | {"eve": loner}
    # Family has no lead, Eve's named supervisor left and Family has no supervisor left.
    assert [a.id for a in leads_of(loner, roster)] == ["boss", "boss2"]
    # Someone no longer in the roster: every supervisor.
    assert [a.id for a in leads_of(None, ROSTER)] == ["boss", "boss2", "fam"]
    # No supervisor at all: nobody (the service then flags nothing).
    assert leads_of(None, {"bob": ROSTER["bob"]}) == []


def test_a_task_is_in_its_workers_unit_else_the_marking_agents() -> None:
    assert person_of(_task(), ROSTER) == ROSTER["ann"]
    assert person_of(_task(worker_id="left"), ROSTER) == ROSTER["bob"]
    assert person_of(_task(worker_id="left", agent_id="gone"), ROSTER) is None


def test_whoever_was_sent_a_task_may_work_and_reassign_it() -> None:
    # Dee's task went to Fam (her unit's supervisor): Boss, told by a fallback, may act too.
    task = _task(worker_id="dee", notified_to=["dee", "fam"], escalated_to=["boss"])
    for who in ("fam", "boss"):
        reader = Reader(principal(who), ROSTER)
        assert reader.may_work(task) and reader.may_reassign(task), who
    assert not Reader(principal("lead"), ROSTER).sees(task)
    assert not Reader(principal("dee"), ROSTER).may_reassign(task)  # the worker may not
    assert Reader(ADMIN, ROSTER).may_reassign(task)
    # A worker who left the roster: the marking agent's unit (Bob's: EBD) acts for it.
    assert Reader(principal("lead"), ROSTER).may_reassign(_task(worker_id="left"))


def test_the_worker_their_units_leads_and_supervisors_and_the_admin_see_it() -> None:
    task = _task()
    for who in ("ann", "lead", "boss", "boss2"):
        assert Reader(principal(who), ROSTER).may_work(task), who
    assert Reader(ADMIN, ROSTER).may_work(task)
    for who in ("bob", "fam", "dee", "cy"):
        assert not Reader(principal(who), ROSTER).sees(task), who


def test_the_marking_agent_sees_it_only_while_filling_it_in() -> None:
    bob = Reader(principal("bob"), ROSTER)
    draft = _task(worker_id=None, notified_at=None, notified_to=None)
    assert bob.sees(draft) and bob.may_complete(draft) and not bob.may_work(draft)
    assert not bob.sees(_task())
    # A draft's unit is the marking agent's until there is a worker.
    assert Reader(principal("lead"), ROSTER).sees(draft)
    assert not Reader(principal("fam"), ROSTER).sees(draft)


def test_listings_mine_the_teams_and_everyones() -> None:
    ann = Reader(principal("ann"), ROSTER)
    assert ann.default_scope() == "mine"
    assert ann.listed("mine") == (frozenset({"ann"}), frozenset({"ann"}))
    with pytest.raises(NotYours):
        ann.listed("team")
    lead = Reader(principal("lead"), ROSTER)
    workers, _ = lead.listed(lead.default_scope())
    assert {"ann", "bob", "lead", "boss"} <= workers and "dee" not in workers
    with pytest.raises(NotYours):
        lead.listed("all")
    assert Reader(ADMIN, ROSTER).listed("all") == (None, frozenset())


def test_the_notice_holds_the_standards_fields_and_nothing_like_an_ssn() -> None:
    task = _task()
    subject, body = owed_notice(task, ROSTER["ann"], 24, CHICAGO)
    for line in (
        "Name: Mai Vang",
        "Case number: 4567890123",
        "Phone: 608-555-0123",
        "Best time to call: mornings",
        "Call back by: Wed 2026-12-09 10:00 CST",
    ):
        assert line in body, line
    assert "Ann Lee (ann)" in body and "Wed 2026-12-09 10:00" in subject
    assert not SSN_SHAPE.search((subject + body).replace(task.call_id, " "))


def test_a_due_time_past_the_promise_says_so_and_the_overdue_notice_counts_attempts() -> None:
    late = _task(due_within=False, attempts=2, state="returning")
    _, body = owed_notice(late, ROSTER["ann"], 24, CHICAGO)
    assert "24 hours could not be met" in body and "the end of their next shift" in body
    subject, body = overdue_notice(late, ROSTER["ann"], 24, CHICAGO)
    assert subject.startswith("Overdue") and "Attempts so far: 2" in body
    assert "Ann Lee (ann) has not called back" in body


def test_the_pre_due_notice_says_how_soon_and_holds_nothing_like_an_ssn() -> None:
    task = _task(attempts=1, state="returning")
    subject, body = due_soon_notice(task, ROSTER["ann"], 60, 24, CHICAGO)
    assert subject.startswith("Due soon: confidential case (task 7)")
    assert "Ann Lee (ann) has not yet called back" in body and "within 60 minutes" in body
    assert "Attempts so far: 1" in body and "Phone: 608-555-0123" in body
    assert not SSN_SHAPE.search((subject + body).replace(task.call_id, " "))
    _, body = due_soon_notice(_task(worker_id="left"), None, 60, 24, CHICAGO)
    assert body.startswith("left has not yet called back")
