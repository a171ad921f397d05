"""Where a call picked up after a crash goes on: the step its events say it reached."""

from __future__ import annotations

from ccc_telephony.ivr.identification import IdentityKind
from ccc_telephony.ivr.progress import progress_of

INFO = frozenset({"3"})
STARTED = [("call_started", {"caller_number": "6085551234"}), ("call_answered", {})]


def test_a_call_with_no_choice_yet_starts_at_the_language_menu() -> None:
    progress = progress_of(STARTED, information_keys=INFO)
    assert (progress.language, progress.step) == (None, "language")


def test_a_caller_who_chose_a_language_goes_back_to_the_main_menu() -> None:
    events = [*STARTED, ("language_selected", {"language": "es", "key": "2"})]
    progress = progress_of(events, information_keys=INFO)
    assert (progress.language, progress.step) == ("es", "main_menu")


def test_invalid_choices_and_the_information_branch_leave_the_caller_at_the_menu() -> None:
    events = [
        *STARTED,
        ("language_selected", {"language": "en"}),
        ("menu_choice", {"key": "9", "valid": False}),
        ("menu_choice", {"key": "3", "valid": True}),
        ("county_lookup", {"code": "13", "found": True}),
    ]
    assert progress_of(events, information_keys=INFO).step == "main_menu"


def test_a_caller_who_chose_a_program_is_asked_only_what_is_left() -> None:
    chose = [*STARTED, ("language_selected", {"language": "en"})]
    chose.append(("menu_choice", {"key": "2", "valid": True, "program": "family"}))
    progress = progress_of(chose, information_keys=INFO)
    assert (progress.menu_key, progress.step) == ("2", "identification")

    identified = [*chose, ("caller_identified", {"kind": "case_number", "case_number": "22"})]
    progress = progress_of(identified, information_keys=INFO)
    assert progress.step == "queue"
    assert (progress.identity.kind, progress.identity.case_number) == (
        IdentityKind.CASE_NUMBER,
        "22",
    )


def test_only_the_ssns_last_four_and_hash_come_back() -> None:
    events = [
        ("language_selected", {"language": "en"}),
        ("menu_choice", {"key": "1", "valid": True}),
        ("caller_identified", {"kind": "ssn", "ssn_last4": "6789", "ssn_hmac": "ab"}),
    ]
    identity = progress_of(events, information_keys=INFO).identity
    assert (identity.kind, identity.ssn_last4, identity.ssn_hmac) == (
        IdentityKind.SSN,
        "6789",
        "ab",
    )


def test_odd_details_are_ignored_not_trusted() -> None:
    events = [
        ("language_selected", {"language": 7}),
        ("menu_choice", {"key": None, "valid": True}),
        ("caller_identified", {"kind": "superuser"}),
    ]
    progress = progress_of(events, information_keys=INFO)
    assert progress.language is None and progress.menu_key is None
    assert progress.identity.kind == IdentityKind.NONE


def test_an_after_hours_caller_offered_a_message_is_offered_it_again() -> None:
    events = [("language_selected", {"language": "en"}), ("message_offered", {})]
    assert progress_of(events, information_keys=INFO).step == "message"


def test_after_hours_the_chosen_queue_and_the_case_number_come_back() -> None:
    chose = [
        *STARTED,
        ("language_selected", {"language": "en"}),
        ("after_hours", {"reason": "after_hours"}),
        ("message_queue_chosen", {"key": "2", "queue": "family"}),
    ]
    progress = progress_of(chose, information_keys=INFO)
    assert (progress.message_queue, progress.step) == ("family", "identification")
    identified = [*chose, ("caller_identified", {"kind": "case_number", "case_number": "22"})]
    progress = progress_of(identified, information_keys=INFO)
    assert (progress.step, progress.identity.case_number) == ("message", "22")
