"""Threat records: only the agent, their supervisor and the admin; only the agent writes the
words; the e-mail notice holds the call id and case number, nothing of the caller's."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4
from zoneinfo import ZoneInfo

from ccc_telephony.config.agents import supervisors_of
from ccc_telephony.store.threats import NewThreat, ThreatRow
from ccc_telephony.threats.rules import Reader, notice
from ccc_telephony.web.auth import ADMIN
from tests.unit.staff import ROSTER, principal

AT = datetime(2027, 1, 5, 16, 30, tzinfo=UTC)


def _threat(agent: str = "ann", supervisors: tuple[str, ...] = ("boss",)) -> ThreatRow:
    return NewThreat(
        id=uuid4(),
        call_id="1796173729.7",
        case_number="4567890123",
        agent_id=agent,
        supervisor_ids=supervisors,
        flagged_at=AT,
        flagged_by=agent,
        source="code",
    ).as_row()


def _reader(agent_id: str) -> Reader:
    return Reader(principal(agent_id), ROSTER)


def test_the_agents_supervisor_is_the_one_named_else_those_of_their_unit() -> None:
    assert [s.id for s in supervisors_of(ROSTER["ann"], ROSTER)] == ["boss"]
    assert [s.id for s in supervisors_of(ROSTER["dee"], ROSTER)] == ["fam"]
    assert [s.id for s in supervisors_of(ROSTER["lead"], ROSTER)] == ["boss", "boss2"]


def test_only_the_agent_their_supervisor_and_the_admin_see_a_threat() -> None:
    threat = _threat()
    assert _reader("ann").sees(threat) and _reader("boss").sees(threat)
    assert Reader(ADMIN, ROSTER).sees(threat)
    for other in ("boss2", "lead", "fam", "cy", "bob"):
        assert not _reader(other).sees(threat), other


def test_only_the_agent_writes_the_words_and_only_the_supervisor_decides() -> None:
    threat = _threat()
    assert _reader("ann").may_write_account(threat)
    assert not _reader("boss").may_write_account(threat)
    assert not Reader(ADMIN, ROSTER).may_write_account(threat)
    assert _reader("boss").may_decide(threat) and Reader(ADMIN, ROSTER).may_decide(threat)
    assert not _reader("ann").may_decide(threat)


def test_a_supervisor_flagging_their_own_call_does_not_decide_it() -> None:
    threat = _threat(agent="boss", supervisors=("boss2",))
    assert not _reader("boss").may_decide(threat)
    assert _reader("boss2").may_decide(threat)


def test_a_listing_holds_ones_own_and_ones_people() -> None:
    # Ann names Boss; the lead and the other supervisor of the team name nobody: their unit's.
    assert _reader("boss").supervised() == frozenset({"boss", "ann", "cy", "lead", "bob", "boss2"})
    assert _reader("ann").supervised() == frozenset({"ann"})
    assert Reader(ADMIN, ROSTER).supervised() is None


def test_the_notice_names_the_call_and_the_case_only() -> None:
    subject, body = notice(_threat(), ROSTER["ann"], ZoneInfo("America/Chicago"))
    assert subject == "Threat reported on call 1796173729.7"
    assert "Call id: 1796173729.7" in body and "Case number: 4567890123" in body
    assert "Ann Lee (ann)" in body and "2027-01-05 10:30 CST" in body
