"""Who may handle a message (messages/access.py), every route's check: its owner and mailbox's
agent, their supervisors, the mailbox's delegates, for an after-hours message nobody took the
leads and supervisors of the chosen queue's team, the admin; nobody else (a colleague, another
unit's supervisor: 403)."""

from __future__ import annotations

import pytest

from ccc_telephony.config.policy import Policy
from ccc_telephony.messages.access import may_handle, queue_heads, reach_of
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


HEADS = ("boss", "boss2", "lead", "fam")


@pytest.mark.parametrize("queue", ["operator", None, "gone_queue"])
@pytest.mark.parametrize(("who", "allowed"), [*((h, True) for h in HEADS), ("ann", False)])
def test_the_operator_queues_messages_are_every_heads(
    policy: Policy, queue: str | None, who: str, allowed: bool
) -> None:
    """Key 0, no choice, a language without prompts, the old callback requests (no queue):
    every lead and supervisor, and the same people hear of it live (MessageBook.audience)."""
    row = message(owner=None, mailbox=None, queue=queue, source="after_hours")
    assert _may(who, row, policy) is allowed
    assert {h.id for h in queue_heads(queue, ROSTER, policy.agents.team_queues)} == set(HEADS)


def test_a_team_without_heads_falls_back_to_everyones(policy: Policy) -> None:
    roster = {k: v for k, v in ROSTER.items() if k != "fam"}
    assert {h.id for h in queue_heads("family", roster, policy.agents.team_queues)} == {
        "boss",
        "boss2",
        "lead",
    }


@pytest.mark.parametrize(
    ("who", "theirs"),
    [
        ("ann", {1}),
        ("boss", {1, 2, 5, 6, 7}),  # Ann and Cy name Boss; Bob names nobody: EBD's supervisors
        ("boss2", {5, 6, 7}),
        ("lead", {5, 6}),
        ("fam", {3, 4, 5, 6}),
        ("bob", {7}),
        ("cy", {2}),
        ("dee", {3}),
    ],
)
def test_a_lists_reach(policy: Policy, who: str, theirs: set[int]) -> None:
    """reach_of: what the database filters a list by (before its limit), for everyone."""
    rows = [
        message(1),
        message(2, owner="cy", mailbox="cy", queue="family"),
        message(3, owner="dee", mailbox="dee", queue="family"),
        message(4, owner=None, mailbox=None, queue="family", source="after_hours"),
        message(5, owner=None, mailbox=None, queue="operator", source="after_hours"),
        message(6, owner=None, mailbox=None, queue=None, source="after_hours"),
        message(7, owner="bob", mailbox=None, queue="ebd", source="after_hours"),
    ]
    reach = reach_of(principal(who), ROSTER, policy)
    assert reach is not None and reach_of(ADMIN, ROSTER, policy) is None
    assert {row.id for row in rows if reach.covers(row)} == theirs
    assert {row.id for row in rows if _may(who, row, policy)} == theirs
