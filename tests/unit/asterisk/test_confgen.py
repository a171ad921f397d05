"""What the generated Asterisk configuration promises beyond the policy's own values."""

from __future__ import annotations

import re

from ccc_telephony.asterisk.confgen import Site, render
from ccc_telephony.config.policy import load_policy
from ccc_telephony.config.settings import DEFAULT_POLICY


def _files() -> dict[str, str]:
    site = Site(ari_password="a", ami_secret="b", admin_password="c")
    return render(load_policy(DEFAULT_POLICY), site)


def _section(text: str, name: str) -> str:
    """The lines of every `[name]` section of an Asterisk .conf file, in order."""
    parts = re.findall(rf"^\[{re.escape(name)}\][^\n]*\n(.*?)(?=^\[|\Z)", text, re.M | re.S)
    return "".join(parts)


def test_the_public_trunk_is_never_told_who_answered() -> None:
    trunk = _section(_files()["pjsip.conf"], "caller-trunk")
    assert "send_connected_line=no" in trunk
    assert "send_rpid=no" in trunk


def test_ami_sends_only_the_events_the_service_reads() -> None:
    manager = _files()["manager.conf"]
    # Queues and agents, Asterisk's start, attended transfers and agents' feature codes.
    assert (
        "eventfilter=Event: (QueueCallerJoin|QueueCallerAbandon|AgentCalled|AgentConnect"
        "|AgentComplete|AgentRingNoAnswer|AttendedTransfer|UserEvent|FullyBooted)\n" in manager
    )
    assert "dtmf" not in manager.split("read=", 1)[1].split("\n", 1)[0]


def test_every_feature_code_raises_its_event_on_the_agents_leg() -> None:
    files = _files()
    features = files["features.conf"]
    assert "ccc_to_help => *83,self,UserEvent(CCCFeature,Feature: ccc_to_help)" in features
    assert "ccc_worker_requested => *84,self," in features
    dialplan = files["extensions_ccc_generated.conf"]
    assert "CCC_FEATURES=ccc_to_operator#ccc_to_ebd#ccc_to_family#ccc_to_help#" in dialplan


def test_queues_route_to_the_longest_idle_agent_with_the_policys_timers() -> None:
    policy = load_policy(DEFAULT_POLICY)
    routing = policy.agents.routing
    queues = _files()["queues.conf"]
    for name in ("ebd", "family", "help"):
        queue = _section(queues, name)
        assert "strategy=leastrecent" in queue
        assert f"wrapuptime={routing.wrapup_seconds}" in queue
        assert f"timeout={routing.ring_seconds}" in queue
        assert f"announce-frequency={routing.announce_position_seconds}" in queue
        assert "announce-position=yes" in queue and "announce-holdtime=once" in queue
        assert "joinempty=yes" in queue and "leavewhenempty=no" in queue  # never voicemail


def test_a_language_queue_keeps_a_caller_only_while_a_speaker_is_free() -> None:
    queue = _section(_files()["queues.conf"], "family_es")
    assert "strategy=leastrecent" in queue
    for option in ("joinempty", "leavewhenempty"):
        assert f"{option}=paused,penalty,inuse,ringing,unavailable,invalid,unknown,wrapup" in queue


def test_the_interpreter_id_code_reads_digits_then_raises_its_event() -> None:
    files = _files()
    assert "ccc_interpreter_id => *64,self,Gosub(ccc-interpreter-id,s,1)" in files["features.conf"]
    reader = _section(files["extensions_ccc_generated.conf"], "ccc-interpreter-id")
    assert "Read(CCC_KEYED,beep,12,,1,10)" in reader
    # Only digits leave the dialplan, whatever the phone sent.
    assert "Value: ${FILTER(0-9,${CCC_KEYED})}" in reader


def test_the_language_line_exists_only_where_the_site_has_one() -> None:
    assert "[language-line]" not in _files()["pjsip.conf"]
    site = Site(ari_password="a", ami_secret="b", admin_password="c", language_line_password="d")
    pjsip = render(load_policy(DEFAULT_POLICY), site)["pjsip.conf"]
    line = _section(pjsip, "language-line")
    assert "auth=language-line-auth" in line and "send_connected_line=no" in line
    assert "password=d" in _section(pjsip, "language-line-auth")


def test_callers_are_offered_a_callback_in_their_language_except_on_the_help_line() -> None:
    """Measured on Asterisk 22: the periodic announcement's absolute path is looked up as
    <dir>/<channel language>/<name>, first after the start delay; key 1 leaves the queue into
    the context (QUEUEPOSITION, QUEUEWAIT_MS set)."""
    files = _files()
    family = _section(files["queues.conf"], "family")
    assert "context=ccc-callback-offer" in family
    assert "periodic-announce=/var/lib/asterisk/sounds/ccc/callback_offer" in family
    assert "periodic-announce-startdelay=120" in family
    assert "setinterfacevar=yes" in family
    assert "context=" not in _section(files["queues.conf"], "help")
    queue_entry = files["extensions_ccc_generated.conf"]
    assert "Set(CHANNEL(language)=${CCC_LANGUAGE})" in queue_entry


def test_a_direct_mailbox_number_is_the_prefix_and_exactly_an_extensions_digits() -> None:
    mailboxes = _section(_files()["extensions_ccc_generated.conf"], "ccc-mailboxes")
    assert mailboxes == "exten => _8XXXX,1,Goto(ccc-mailbox,${EXTEN:1},1)\n"
