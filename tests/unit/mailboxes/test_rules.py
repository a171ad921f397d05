"""The mailboxes' pure rules: which greeting plays, what is flagged, who returns a message,
who may manage a mailbox, direct numbers, the IVR's offer, and an away date keyed on a phone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ccc_telephony.config.mailboxes import Mailboxes
from ccc_telephony.config.policy import Policy
from ccc_telephony.config.returns import DialBack
from ccc_telephony.mailboxes import rules
from ccc_telephony.mailboxes.greetings import Greetings
from ccc_telephony.store.mailboxes import MailboxRecord
from ccc_telephony.store.messages import MessageRow, State
from ccc_telephony.web.auth import ADMIN
from tests.unit.staff import ROSTER, principal

NOW = datetime(2026, 12, 8, 15, 0, tzinfo=UTC)  # a Tuesday, 9 AM in Madison
ZONE = ZoneInfo("America/Chicago")


def mailbox(agent: str = "ann", **values: object) -> MailboxRecord:
    fields: dict[str, object] = {"active": True, **values}
    return MailboxRecord(agent=ROSTER[agent], **fields)  # type: ignore[arg-type]


def test_in_office_plays_the_recording_else_the_spoken_greeting() -> None:
    plan = rules.greeting_plan(mailbox(greeting_in_office="mailbox-ann-1"), NOW)
    assert plan == rules.GreetingPlan("in_office", "mailbox-ann-1", offers_hash=False, until=None)
    spoken = rules.greeting_plan(mailbox(), NOW)
    assert spoken is not None and spoken.recording is None and spoken.kind == "in_office"


def test_away_until_a_later_moment_offers_pound_then_in_office_again() -> None:
    back = NOW + timedelta(days=2)
    away = mailbox(greeting_in_office="a", greeting_away="b", away_until=back)
    assert rules.greeting_plan(away, NOW) == rules.GreetingPlan(
        "away", "b", offers_hash=True, until=back
    )
    later = rules.greeting_plan(away, back)
    assert later is not None and later.kind == "in_office" and later.recording == "a"


def test_a_departed_agents_mailbox_says_so_unless_the_greeting_is_kept() -> None:
    gone = mailbox(active=False, greeting_in_office="a", away_until=NOW + timedelta(days=1))
    assert rules.greeting_plan(gone, NOW) == rules.GreetingPlan(
        "departed", None, offers_hash=False, until=None
    )
    kept = rules.greeting_plan(
        mailbox(active=False, greeting_in_office="a", keep_greeting=True), NOW
    )
    assert kept is not None and kept.recording == "a"
    assert rules.greeting_plan(mailbox(active=False, disconnected_at=NOW), NOW) is None


def test_flags_missing_greeting_and_away_date_passed() -> None:
    assert rules.flag_of(mailbox(), NOW) == "missing_greeting"
    assert rules.flag_of(mailbox(greeting_in_office="a"), NOW) is None
    passed = mailbox(greeting_in_office="a", away_until=NOW - timedelta(minutes=1))
    assert rules.flag_of(passed, NOW) == "away_passed"
    assert (
        rules.flag_of(mailbox(greeting_in_office="a", away_until=NOW + timedelta(hours=1)), NOW)
        is None
    )
    assert rules.flag_of(mailbox(active=False), NOW) is None  # nobody to tell


def test_a_departed_agents_messages_go_to_their_supervisor() -> None:
    assert rules.owner_of(mailbox("ann"), ROSTER) == "ann"
    assert rules.owner_of(mailbox("ann", active=False), ROSTER) == "boss"
    # nobody named: a supervisor of their unit
    assert rules.owner_of(mailbox("dee", active=False), ROSTER) == "fam"


def test_who_may_manage_a_mailbox() -> None:
    ann = mailbox("ann")
    assert rules.may_manage(ADMIN, ann, ROSTER, ())
    assert rules.may_manage(principal("boss"), ann, ROSTER, ())
    assert not rules.may_manage(principal("boss2"), ann, ROSTER, ())  # Ann names Boss
    assert not rules.may_manage(principal("ann"), ann, ROSTER, ())  # her messages: the book's
    assert not rules.may_manage(principal("bob"), ann, ROSTER, ())
    assert rules.may_manage(principal("bob"), ann, ROSTER, {"bob"})  # Boss named Bob
    assert rules.may_set_greeting(principal("ann"), ann, ROSTER)
    assert rules.may_set_greeting(principal("boss"), ann, ROSTER)
    assert not rules.may_set_greeting(principal("lead"), ann, ROSTER)


def test_direct_numbers_are_the_prefix_and_exactly_an_extensions_digits() -> None:
    assert Mailboxes().direct_patterns() == ["_8XXXX"]
    assert Mailboxes(direct_prefix="55", extension_digits=[5, 3, 5]).direct_patterns() == [
        "_55XXX",
        "_55XXXXX",
    ]
    assert Mailboxes().takes_extension("3101")
    assert not Mailboxes().takes_extension("310")
    assert not Mailboxes().takes_extension("8885550104")


def test_the_ivr_offers_mailboxes_never_instead_of_a_person() -> None:
    closed = Mailboxes()
    assert closed.offered_in_ivr(open_now=False) and not closed.offered_in_ivr(open_now=True)
    assert Mailboxes(from_ivr="always").offered_in_ivr(open_now=True)
    assert not Mailboxes(from_ivr="never").offered_in_ivr(open_now=False)


@pytest.mark.parametrize(
    ("keyed", "expected"),
    [
        ("12101330", datetime(2026, 12, 10, 13, 30, tzinfo=ZONE)),
        ("01040800", datetime(2027, 1, 4, 8, 0, tzinfo=ZONE)),  # January: next year's
        ("12080800", datetime(2027, 12, 8, 8, 0, tzinfo=ZONE)),  # an hour ago: next year's
        ("02300800", None),  # no such day
        ("12102460", None),
        ("1210133", None),
        ("1210133#", None),
    ],
)
def test_an_away_date_keyed_on_a_phone(keyed: str, expected: datetime | None) -> None:
    assert rules.parse_away(keyed, NOW, ZONE) == expected


def test_spoken_greetings_name_the_agent_and_the_time(policy: Policy, tmp_path: Path) -> None:
    greetings = Greetings(policy=policy, recordings_dir=tmp_path)
    today = datetime(2026, 12, 8, 16, 30, tzinfo=ZONE)
    text, voice = greetings.text(mailbox(), "in_office", "en", today, NOW)
    assert "Ann Lee" in text and "by 4:30 PM." in text and voice == "en-us"
    back = datetime(2026, 12, 14, 8, 0, tzinfo=ZONE)
    text, voice = greetings.text(mailbox(), "away", "es", back, NOW)
    assert "lunes 14 de diciembre, a las 8:00" in text and voice == "es-419"
    # Hmong has no voice: the first language speaks
    text, voice = greetings.text(mailbox(), "departed", "hmn", None, NOW)
    assert text.startswith("Ann Lee no longer works") and voice == "en-us"


def message(ident: int, state: State, minutes_ago: int, number: str | None) -> MessageRow:
    received = NOW - timedelta(minutes=minutes_ago)
    return MessageRow(
        id=ident,
        source="mailbox",
        mailbox="ann",
        queue="ebd",
        owner="ann",
        call_id=f"call-{ident}",
        caller_number=number,
        language="en",
        case_number=None,
        received_at=received,
        duration_seconds=None,
        recording=f"mailbox-message-{ident}",
        due_at=NOW,
        state=state,
        state_at=received,
        state_by=None,
        attempts=0,
        warned_at=None,
    )


def test_an_agent_hears_new_messages_first_and_calls_back_the_oldest_callable() -> None:
    heard_oldest = message(1, "heard", 90, "6085550101")
    anonymous = message(2, "new", 120, None)
    new_later = message(3, "new", 10, "6085550103")
    returning = message(4, "returning", 60, "6085550104")
    rows = [new_later, returning, heard_oldest, anonymous]
    assert [r.id for r in rules.hearing_order(rows)] == [2, 3, 1, 4]
    assert rules.oldest_to_call_back(rows, DialBack()) == heard_oldest  # not the anonymous caller's
    assert rules.oldest_to_call_back([anonymous, message(5, "new", 5, "911")], DialBack()) is None


def test_a_new_away_date_retires_the_greeting_recorded_for_the_old_one() -> None:
    old, new = NOW + timedelta(days=2), NOW + timedelta(days=5)
    recorded_for_old = mailbox(greeting_away="b", greeting_away_at=NOW, away_until=old)
    assert rules.away_greeting_outdated(recorded_for_old, new)
    assert rules.away_greeting_outdated(recorded_for_old, None)  # back: its date is spent
    assert not rules.away_greeting_outdated(recorded_for_old, old)  # the same date again
    # recorded since the agent was last back, or after the old date passed: for the new one
    assert not rules.away_greeting_outdated(mailbox(greeting_away="b", greeting_away_at=NOW), new)
    after_it = mailbox(greeting_away="b", greeting_away_at=old, away_until=old)
    assert not rules.away_greeting_outdated(after_it, new)
    assert not rules.away_greeting_outdated(mailbox(away_until=old), new)  # none recorded


def test_greeting_texts_say_what_is_filled_in_and_nothing_else() -> None:
    with pytest.raises(ValueError, match=r"greetings.away.en: the text must say \{until\}"):
        Mailboxes.model_validate({"greetings": {"away": {"en": "{name} is away."}}})
    with pytest.raises(ValueError, match=r"\{date\} cannot be filled in"):
        Mailboxes.model_validate({"greetings": {"in_office": {"en": "{name} {until} {date}"}}})
    with pytest.raises(ValueError, match=r"greetings.departed.en: \{until\} cannot"):
        Mailboxes.model_validate({"greetings": {"departed": {"en": "{name} left {until}"}}})


def test_the_ivr_offer_must_name_the_configured_key() -> None:
    seven = Mailboxes(ivr_key="7")
    offer = {"mailbox_offer": {"en": "For a staff member, press 7.", "es": "Oprima 8."}}
    assert seven.problems(offer) == ["prompts.mailbox_offer.es: must name mailboxes.ivr_key '7'"]
    assert Mailboxes(ivr_key="7", from_ivr="never").problems(offer) == []
    assert Mailboxes(ivr_key="1").problems({"mailbox_offer": {"en": "press 10"}}) != []


def test_only_the_current_spoken_greeting_is_kept(
    policy: Policy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        "ccc_telephony.mailboxes.greetings.speak",
        lambda text, voice, path: path.write_text(text),
    )
    greetings = Greetings(policy=policy, recordings_dir=tmp_path)
    other = (tmp_path / "mailbox-spoken-ann-in_office-en-x.wav", tmp_path / "keep.wav")
    for path in other:
        path.write_text("not a spoken greeting of ann's")
    today = greetings.spoken(mailbox(), "in_office", "en", NOW + timedelta(hours=7), NOW)
    away = greetings.spoken(mailbox(), "away", "en", NOW + timedelta(days=2), NOW)
    tomorrow = greetings.spoken(mailbox(), "in_office", "en", NOW + timedelta(days=1), NOW)
    assert tomorrow != today and tomorrow.startswith("mailbox-spoken-ann-in_office-en-")
    kept = {path.stem for path in tmp_path.glob("*.wav")}
    assert kept == {tomorrow, away, *(path.stem for path in other)}
