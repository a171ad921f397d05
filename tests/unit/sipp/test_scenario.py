"""The SIPp scenario builder: well-formed XML, every jump lands on a label, the digest and CSeq
bookkeeping, and pieces refused where they make no sense. (SIPp against the real Asterisk:
tests/integration/sip.)"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.sipp import (
    ANSWER,
    BUSY,
    NO_ANSWER,
    CallerScript,
    CallHandling,
    Credentials,
    Identity,
    Scenario,
    SippState,
    answering_scenario,
    caller_command,
    dialling_scenario,
    registration_scenario,
    scenario,
)
from tests.sipp.phone import GO_ON
from tests.sipp.runner import MessageSummary
from tests.sipp.scenario import safe_display_name

ADMIN = Identity(user="admin", display_name="Admin")
CREDS = Credentials("admin", "s3cret-Token_x")


def parsed(text: str) -> ET.Element:
    root = ET.fromstring(text.split("\n", 1)[1])  # ElementTree refuses the encoding prologue
    labels = {label.get("id") for label in root.iter("label")}
    for element in root.iter():
        for attribute in ("next", "ontimeout"):
            target = element.get(attribute)
            assert target is None or target in labels, f"{attribute}={target} has no label"
    return root


def sent(root: ET.Element) -> list[str]:
    return [(send.text or "").strip() for send in root.iter("send")]


def all_scenarios() -> list[str]:
    handlings = [ANSWER, NO_ANSWER, BUSY, CallHandling(ring_ms=500, hold_ms=2000)]
    return [
        scenario(CallerScript(keys="12#", hold_ms=1000)),
        registration_scenario(ADMIN, CREDS, expires_s=60).render(),
        dialling_scenario(ADMIN, CREDS).render(),
        *(answering_scenario(ADMIN, handling).render() for handling in handlings),
    ]


@pytest.mark.parametrize("text", all_scenarios())
def test_every_scenario_is_well_formed_and_its_jumps_land(text: str) -> None:
    assert text.startswith('<?xml version="1.0" encoding="ISO-8859-1" ?>')
    parsed(text)


def test_challenged_invite_is_acked_and_sent_again_with_the_digest() -> None:
    root = parsed(Scenario("a", identity=ADMIN).invite(auth=CREDS).ack().bye().render())
    first, challenge_ack, second, ack, bye = sent(root)
    assert first.startswith("INVITE") and "[authentication" not in first
    assert challenge_ack.startswith("ACK") and "[last_To:]" in challenge_ack
    assert "[authentication username=admin password=s3cret-Token_x]" in second
    for message in (first, challenge_ack, second, ack, bye):
        assert "CSeq: [cseq] " in message  # SIPp counts: ACKs keep the INVITE's number
    challenges = [r.get("response") for r in root.iter("recv") if r.get("auth") == "true"]
    assert challenges == ["401", "407"]


def test_caller_keys_go_by_info_one_by_one() -> None:
    root = parsed(scenario(CallerScript(keys="1#", hold_ms=500, name='Jo "Q" [x]')))
    infos = [message for message in sent(root) if message.startswith("INFO")]
    assert "Signal=1" in infos[0] and "Signal=#" in infos[1]
    assert "From: \"Jo 'Q' (x)\" <sip:6085551234@" in sent(root)[0]
    assert [p.get("milliseconds") for p in root.iter("pause")] == ["300", "120", "500"]


def test_answering_side_bye_swaps_the_parties_it_kept() -> None:
    text = answering_scenario(ADMIN, CallHandling(hold_ms=1000)).render()
    root = parsed(text)
    bye = next(message for message in sent(root) if message.startswith("BYE"))
    assert bye.startswith("BYE [next_url] SIP/2.0")
    assert "From: [$local_party];tag=" in bye and "To: [$remote_party]" in bye
    assert "branch=[branch]-[$call_token]" in bye  # unique though SIPp numbers ooc calls 0
    assert 'assign_to="remote_party"' in text


def test_parties_are_kept_only_when_used() -> None:
    """SIPp refuses a variable that is set and never used."""
    text = answering_scenario(ADMIN, NO_ANSWER).render()
    assert "_party" not in text and "call_token" not in text and "<!--" not in text


def test_a_phone_answers_a_message_summary_and_says_what_it_held() -> None:
    root = parsed(answering_scenario(ADMIN, ANSWER).render())
    notify = next(r for r in root.iter("recv") if r.get("request") == "NOTIFY")
    assert notify.get("optional") == "true"
    assigned = {e.get("assign_to") for e in notify.iter("ereg")}
    assert assigned == {"mwi", "voice"}
    ending = root.find(f".//label[@id='{notify.get('next')}']")
    assert ending is not None
    assert SippState().after("mwi c1 Messages-Waiting: yes Voice-Message: 2/1").summaries == (
        MessageSummary(waiting=True, new=2, old=1),
    )
    assert SippState().after("mwi c1  ").summaries == ()


def test_hold_until_a_signal_waits_at_the_timed_bye() -> None:
    root = parsed(answering_scenario(ADMIN, CallHandling(hold_ms=700)).render())
    receives = [(r.get("request"), r.get("optional"), r.get("timeout")) for r in root.iter("recv")]
    assert ("BYE", "true", "700") in receives and (GO_ON, None, None) in receives


@pytest.mark.parametrize(
    "build",
    [
        lambda s: s.keys("1"),  # no call yet
        lambda s: s.ack(),  # no INVITE
        lambda s: s.invite().keys("1"),  # 200 not ACKed
        lambda s: s.invite().ack().keys("x"),  # not a key
        lambda s: s.invite().register(),  # REGISTER inside a call
        lambda s: s.receive_invite().receive_ack(),  # ACK before our 200
        lambda s: s.receive_invite().answer().receive_ack().ring(),  # 180 after answering
        lambda s: s.invite().ack().hold(),  # hold for nothing
        lambda s: s.invite().render(),  # answered, never ACKed
    ],
)
def test_pieces_out_of_place_are_refused(build: Callable[[Scenario], object]) -> None:
    with pytest.raises(ValueError):
        build(Scenario("wrong"))


@pytest.mark.parametrize("password", ["has space", "br]acket", 'quo"te'])
def test_passwords_sipp_cannot_carry_are_refused(password: str) -> None:
    with pytest.raises(ValueError):
        Credentials("admin", password)


def test_display_names_are_made_safe_for_sip_and_sipp() -> None:
    assert safe_display_name('a"b\\c[d]\r\ne') == "a'b/c(d)  e"
    assert safe_display_name("Robert'); DROP TABLE calls;-- ${EXTEN}") == (
        "Robert'); DROP TABLE calls;-- ${EXTEN}"
    )


def test_state_follows_the_log_lines() -> None:
    state = SippState()
    for line in [
        "registered 1-77@127.0.0.1\n",
        "offered abc\n",
        "answered abc\n",
        "offered def\n",
        "answered def\n",
        "ended abc far\n",
        "pressed def 9\n",
        "something SIPp said\n",
    ]:
        state = state.after(line)
    assert state.registered == "1-77@127.0.0.1"
    assert state.offered == ("abc", "def") and state.talking == ("def",)
    assert state.ended == (("abc", "far"),) and state.pressed == ("9",)


def test_command_line_has_what_every_run_needs() -> None:
    command = caller_command(
        Path("x.xml"),
        target="127.0.0.1:5460",
        service="6085550100",
        local_port=5499,
        media_port=24100,
    )
    for option in ("-aa", "-nostdin", "-timeout_error"):
        assert option in command
    assert command[command.index("-mp") + 1] == "24100"
    assert command[command.index("-s") + 1] == "6085550100"


def test_keys_when_told_logs_and_loops_back_in_one_step() -> None:
    """Else a signal sent as soon as the line is read can find SIPp between the two steps."""
    root = parsed(dialling_scenario(ADMIN, CREDS).render())
    jumps = []
    for nop in root.iter("nop"):
        log = nop.find("action/log")
        if log is not None and log.get("message", "").startswith("pressed"):
            jumps.append(nop.get("next", ""))
    assert len(jumps) == 1 and jumps[0].startswith("orders-")


def test_a_phone_that_transfers_refers_when_told_and_never_mistakes_notify_for_a_signal() -> None:
    root = parsed(answering_scenario(ADMIN, CallHandling(transfers=True)).render())
    requests = [r.get("request") for r in root.iter("recv")]
    # NOTIFY only in place of the INVITE (a message summary), never in the call
    assert requests[:2] == ["NOTIFY", "INVITE"] and "NOTIFY" not in requests[2:]
    assert GO_ON in requests
    sent = [s.text or "" for s in root.iter("send")]
    assert any(
        text.strip().startswith("REFER ") and "Refer-To: [$referto]" in text for text in sent
    )
    with pytest.raises(ValueError, match="NOTIFY"):
        Scenario("x").receive_invite().answer().receive_ack().transfers_when_told(
            refer_request="PUBLISH", until_request="NOTIFY", on_referred="x"
        )
