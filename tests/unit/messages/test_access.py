"""Who may handle a message (messages/access.py), every route's check: its owner and mailbox's
agent, their supervisors, the mailbox's delegates, for an after-hours message nobody took the
leads and supervisors of the chosen queue's team, the admin; nobody else (a colleague, another
unit's supervisor: 403)."""

from __future__ import annotations

import pytest

from ccc_telephony.config.policy import Policy
from ccc_telephony.messages.access import may_handle
from ccc_telephony.store.messages import MessageRow
from ccc_telephony.web.auth import ADMIN
from tests.unit.returns.test_rules import message
from tests.unit.staff import ROSTER, principal


def _may(who: str, row: MessageRow, policy: Policy, delegates: tuple[str, ...] = ()) -> bool:
    person = ADMIN if who == "admin" else principal(who)
    return may_handle(person, row, ROSTER, delegates=delegates, policy=policy)


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("ann", True),  # owner and mailbox
        ("boss", True),  # the supervisor Ann names
        ("admin", True),
        ("boss2", False),  # another supervisor of the team, not Ann's
        ("lead", False),  # a lead is no supervisor of a mailbox
        ("bob", False),  # a colleague
        ("fam", False),  # another unit's supervisor
        ("dee", False),
    ],
)
def test_a_mailbox_message(policy: Policy, who: str, allowed: bool) -> None:
    assert _may(who, message(), policy) is allowed


def test_the_mailboxs_delegates(policy: Policy) -> None:
    assert _may("bob", message(), policy, delegates=("bob",))
    assert not _may("dee", message(), policy, delegates=("bob",))


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("fam", True), ("admin", True), ("dee", False), ("boss", False), ("lead", False)],
)
def test_an_after_hours_message_nobody_took(policy: Policy, who: str, allowed: bool) -> None:
    row = message(owner=None, mailbox=None, queue="family", source="after_hours")
    assert _may(who, row, policy) is allowed


def test_an_after_hours_message_taken_is_the_takers(policy: Policy) -> None:
    row = message(owner="ann", mailbox=None, queue="family", source="after_hours")
    assert _may("ann", row, policy) and _may("boss", row, policy)
    assert not _may("fam", row, policy)
