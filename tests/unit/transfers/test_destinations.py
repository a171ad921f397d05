"""Where a transfer would take a caller: every way a phone writes a number is vetted the same,
and another consortium's number is blocked before anything else could let it through."""

from __future__ import annotations

from datetime import time

import pytest

from ccc_telephony.asterisk.ari.channel import phone_extension
from ccc_telephony.config.directory import Directory
from ccc_telephony.config.policy import Policy
from ccc_telephony.config.transfers import HelpLine
from ccc_telephony.transfers.desk import Request
from ccc_telephony.transfers.destinations import (
    Blocked,
    Denied,
    Outside,
    Targets,
    ToAgent,
    ToQueue,
    classify,
)
from ccc_telephony.transfers.help_line import help_line_takes

BAY_LAKE = "8885550102"  # the shipped directory's Bay Lake Consortium


@pytest.fixture
def targets(policy: Policy, directory: Directory) -> Targets:
    roster = {"3101": "maria"}
    allowed = directory.model_copy(update={"allowed": []})
    return Targets(
        queues={**{q: q for q in policy.queues}, **policy.queue_extensions()},
        agent_by_extension=roster.get,
        directory=allowed,
        dial_prefixes=["9"],
    )


@pytest.mark.parametrize(
    ("target", "queue"),
    [("7002", "family"), ("family", "family"), ("sip:7003@pbx", "help"), ("HELP", "help")],
)
def test_queues_by_extension_or_name(targets: Targets, target: str, queue: str) -> None:
    assert classify(target, targets) == ToQueue(queue)


def test_an_agent_by_extension(targets: Targets) -> None:
    assert classify("3101", targets) == ToAgent(agent_id="maria", extension="3101")


@pytest.mark.parametrize(
    "written",
    [
        BAY_LAKE,
        "+18885550102",
        "18885550102",
        "1-888-555-0102",
        "(888) 555-0102",
        "888.555.0102",
        "%2B1%20888%20555%200102",
        "98885550102",
        "918885550102",
        "sip:+1-888-555-0102@pbx;user=phone",
        "<sip:8885550102@10.0.0.1:5060;transport=udp>",
        "tel:+1-888-555-0102",
        "+1-888-555-0102;phone-context=+1",
    ],
)
def test_another_consortiums_number_is_blocked_in_every_form(
    targets: Targets, written: str
) -> None:
    found = classify(written, targets)
    assert isinstance(found, Blocked), found
    assert (found.number, found.consortium.id) == (BAY_LAKE, "bay_lake")


def test_outside_numbers_follow_the_allow_list(targets: Targets, directory: Directory) -> None:
    assert classify("6085550199", targets) == Denied(target="6085550199", reason="not_allowed")
    allowing = directory.model_validate(
        {**directory.model_dump(), "allowed": [{"number": "6085550199", "label": "DA office"}]}
    )
    with_list = Targets(
        queues=targets.queues,
        agent_by_extension=targets.agent_by_extension,
        directory=allowing,
        dial_prefixes=["9"],
    )
    assert classify("+1 608 555 0199", with_list) == Outside("6085550199")


@pytest.mark.parametrize("junk", ["", "*", "12", "+44 20 7946 0018", "x" * 300, "sip:@", "%%%"])
def test_anything_else_is_denied(targets: Targets, junk: str) -> None:
    assert isinstance(classify(junk, targets), Denied)


def test_the_help_line_takes_escalations_half_an_hour_longer() -> None:
    line = HelpLine()
    assert help_line_takes(line, time(15, 59), escalation=False, center_open=True)
    assert not help_line_takes(line, time(16, 0), escalation=False, center_open=True)
    assert help_line_takes(line, time(16, 0), escalation=True, center_open=True)
    assert help_line_takes(line, time(16, 29), escalation=True, center_open=True)
    assert not help_line_takes(line, time(16, 30), escalation=True, center_open=True)
    assert not help_line_takes(line, time(7, 59), escalation=True, center_open=True)
    assert not help_line_takes(line, time(10, 0), escalation=True, center_open=False)


def test_the_dialplans_arguments_are_read_strictly(policy: Policy) -> None:
    request = Request.from_args(["transfer", "PJSIP/3101", "blind", "es", "ebd"], policy)
    assert request == Request(from_extension="3101", kind="blind", language="es", queue="ebd")
    odd = Request.from_args(["transfer", "Local/x@y", "evil", "fr", "nowhere"], policy)
    assert odd == Request(from_extension=None, kind="blind", language="en", queue=None)
    assert Request.from_args(["transfer"], policy).from_extension is None


@pytest.mark.parametrize(
    ("name", "extension"),
    [
        ("PJSIP/3101-0000002a", "3101"),
        ("PJSIP/caller-trunk-0000002a", None),
        ("PJSIP/admin-0000002a", None),
        ("Local/6085550100@ccc-inbound-00000001;2", None),
        ("PJSIP/3101", None),
    ],
)
def test_a_phones_extension_from_its_channel(name: str, extension: str | None) -> None:
    assert phone_extension(name) == extension
