"""Asterisk configuration generated from the policy and the site's addresses and secrets.

The hand-written dialplan lives in the repo (`dialplan/extensions.conf`) where an admin edits it;
everything that follows from the policy (main number, queues, static phones) or from the site
(ports, passwords) is generated here so the two can never drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ccc_telephony.asterisk.ami import AMI_EVENTS
from ccc_telephony.config.callbacks import OFFER_PROMPT
from ccc_telephony.config.codes import FEATURE_EVENT
from ccc_telephony.config.policy import Policy

MODULES = (
    # core and dialplan
    "pbx_config",
    "res_timing_timerfd",
    "res_sorcery_config",
    "res_sorcery_memory",
    "res_sorcery_astdb",
    "res_clioriginate",
    "res_speech",
    "res_agi",
    "res_musiconhold",
    # ARI
    "res_http_websocket",
    "res_websocket_client",
    "res_ari",
    "res_ari_model",
    "res_ari_applications",
    "res_ari_asterisk",
    "res_ari_bridges",
    "res_ari_channels",
    "res_ari_device_states",
    "res_ari_endpoints",
    "res_ari_events",
    "res_ari_playbacks",
    "res_ari_recordings",
    "res_ari_sounds",
    "res_stasis",
    "res_stasis_answer",
    "res_stasis_device_state",
    "res_stasis_playback",
    "res_stasis_recording",
    "res_stasis_snoop",
    "app_stasis",
    # applications and functions
    "app_dial",
    "app_queue",
    "app_playback",
    "app_record",
    "app_mixmonitor",
    "app_stack",
    "app_exec",
    "app_read",
    "app_senddtmf",
    "app_userevent",
    "app_echo",
    "app_verbose",
    "func_callerid",
    "func_channel",
    "func_strings",
    "func_logic",
    "func_cut",
    "func_global",
    "func_hangupcause",
    "func_pjsip_endpoint",
    "func_volume",  # an agent steps aside from an interpreted call
    # message waiting: MinivmMWI publishes a mailbox's counts into Asterisk's MWI core (the
    # messages themselves are ours), res_pjsip_mwi tells the agent's phone (NOTIFY)
    "app_minivm",
    # bridges
    "bridge_simple",
    "bridge_native_rtp",
    "bridge_softmix",
    "bridge_holding",
    "bridge_builtin_features",
    "bridge_builtin_interval_features",
    # codecs and formats
    "codec_ulaw",
    "codec_alaw",
    "codec_a_mu",
    "codec_gsm",
    "codec_resample",
    "format_wav",
    "format_gsm",
    "format_pcm",
    "format_wav_gsm",
    "format_sln",
    # SIP
    "res_rtp_asterisk",
    "res_pjproject",
    "res_pjsip",
    "res_pjsip_session",
    "chan_pjsip",
    "res_pjsip_pubsub",
    "res_pjsip_endpoint_identifier_ip",
    "res_pjsip_endpoint_identifier_user",
    "res_pjsip_authenticator_digest",
    "res_pjsip_outbound_authenticator_digest",
    "res_pjsip_registrar",
    "res_pjsip_sdp_rtp",
    "res_pjsip_dtmf_info",
    "res_pjsip_caller_id",
    "res_pjsip_nat",
    "res_pjsip_rfc3326",
    "res_pjsip_diversion",
    "res_pjsip_header_funcs",
    "res_pjsip_logger",
    "res_pjsip_refer",
    "res_pjsip_mwi",
    "res_pjsip_mwi_body_generator",
)


@dataclass(frozen=True, kw_only=True)
class Site:
    """Where this Asterisk listens and how the service reaches it."""

    sip_address: str = "127.0.0.1"
    sip_port: int = 5060
    trunk_match: tuple[str, ...] = ("127.0.0.1",)
    rtp_start: int = 10000
    rtp_end: int = 10999
    http_address: str = "127.0.0.1"
    http_port: int = 8088
    ami_address: str = "127.0.0.1"
    ami_port: int = 5038
    ari_user: str = "ccc"
    ari_password: str = field(repr=False)
    ami_user: str = "ccc"
    ami_secret: str = field(repr=False)
    admin_password: str = field(repr=False)
    ari_app: str = "ccc-ivr"
    agi_url: str = "agi://127.0.0.1:4573"
    sounds_dir: str = "/var/lib/asterisk/sounds/ccc"
    # Where outside calls go (allowed transfers): the carrier's SIP address; None: nowhere.
    carrier_contact: str | None = None
    # The sandbox's interpretation line: a test phone that registers as `language-line` with
    # this password (None: no such endpoint; the policy's line is then an outside number).
    language_line_password: str | None = field(default=None, repr=False)
    verbose_log: bool = True


def render(policy: Policy, site: Site) -> dict[str, str]:
    """All generated files by name; the installer adds the repo's extensions.conf beside them."""
    return {
        "modules.conf": _modules(),
        "logger.conf": _logger(site),
        "http.conf": _http(site),
        "ari.conf": _ari(site),
        "manager.conf": _manager(site),
        "pjsip.conf": _pjsip(policy, site),
        "rtp.conf": f"[general]\nrtpstart={site.rtp_start}\nrtpend={site.rtp_end}\n",
        "queues.conf": _queues(policy, site),
        "musiconhold.conf": "[default]\nmode=files\ndirectory=moh\n",
        "extensions_ccc_generated.conf": _generated_dialplan(policy, site),
        "cdr.conf": "[general]\nenable=no\n",
        "cel.conf": "[general]\nenable=no\n",
        "features.conf": "[general]\n\n" + _applicationmap(policy),
        "stasis.conf": "",
        "pjproject.conf": "[log_mappings]\ntype=log_mappings\n",
        "websocket_client.conf": "",
        "udptl.conf": "[general]\n",
        "acl.conf": "",
        "ccss.conf": "[general]\n",
        # app_minivm only publishes counts here (MinivmMWI): no mailboxes, no e-mail.
        "minivm.conf": "[general]\n",
    }


# Codes that collect digits after their keys: a subroutine of the generated dialplan reads
# them on the agent's leg and raises the code's UserEvent with them (`Value`).
_COLLECTING = {"ccc_interpreter_id": "Gosub(ccc-interpreter-id,s,1)"}


def _applicationmap(policy: Policy) -> str:
    """Each in-call feature code raises a UserEvent on the agent's leg; the service acts."""
    lines = ["[applicationmap]"]
    for code in policy.feature_codes():
        app = _COLLECTING.get(code.name, f"UserEvent({FEATURE_EVENT},Feature: {code.name})")
        lines.append(f"{code.name} => {code.keys},self,{app}")
    return "\n".join(lines) + "\n"


def _interpreter_id(policy: Policy) -> str:
    """*64: the interpreter's id, keyed after the beep and ended by # (or the policy's most
    digits, or 10 s of nothing); only digits leave the dialplan, checked again by the service."""
    most = policy.interpreters.id_max_digits
    value = "${FILTER(0-9,${CCC_KEYED})}"
    return (
        "[ccc-interpreter-id]\n"
        f"exten => s,1,Read(CCC_KEYED,beep,{most},,1,10)\n"
        f" same => n,UserEvent({FEATURE_EVENT},Feature: ccc_interpreter_id,Value: {value})\n"
        " same => n,Return()\n"
    )


def _modules() -> str:
    lines = ["[modules]", "autoload=no"]
    lines += [f"load => {name}.so" for name in MODULES]
    return "\n".join(lines) + "\n"


def _logger(site: Site) -> str:
    # Verbose messages include dialplan steps (never caller digits: DTMF is logged only at debug).
    levels = "notice,warning,error" + (",verbose(3)" if site.verbose_log else "")
    return (
        "[general]\ndateformat=%F %T.%3q\n\n[logfiles]\n"
        f"messages.log => {levels}\nconsole => notice,warning,error\n"
    )


def _http(site: Site) -> str:
    return (
        f"[general]\nenabled=yes\nbindaddr={site.http_address}\nbindport={site.http_port}\n"
        "servername=ccc-telephony\n"
    )


def _ari(site: Site) -> str:
    return (
        "[general]\nenabled=yes\npretty=no\n\n"
        f"[{site.ari_user}]\ntype=user\nread_only=no\npassword={site.ari_password}\n"
    )


def _manager(site: Site) -> str:
    return (
        f"[general]\nenabled=yes\nport={site.ami_port}\nbindaddr={site.ami_address}\n"
        "displayconnects=no\n\n"
        f"[{site.ami_user}]\nsecret={site.ami_secret}\n"
        "read=system,call,agent,user,reporting\n"  # no dtmf: keyed digits stay off AMI
        # Only the events the service registers for (AMI_EVENTS): every dialplan step of every
        # call, every queue member's device state, would otherwise be formatted, sent and
        # parsed (see bench/). Replies to actions (QueueStatus's list) are not filtered.
        f"eventfilter=Event: ({'|'.join(AMI_EVENTS)})\n"
        "write=system,call,agent,originate,reporting\n"
        "writetimeout=5000\n"
    )


def _pjsip(policy: Policy, site: Site) -> str:
    sections = [
        "[global]\ntype=global\nendpoint_identifier_order=username,ip\nuser_agent=ccc-telephony\n",
        f"[transport-udp]\ntype=transport\nprotocol=udp\nbind={site.sip_address}:{site.sip_port}\n",
        "[endpoint-base](!)\ntype=endpoint\ndisallow=all\nallow=ulaw,alaw,gsm\n"
        "direct_media=no\nrtp_symmetric=yes\nforce_rport=yes\nrewrite_contact=yes\n"
        "send_rpid=yes\ntrust_id_inbound=no\n",
        # The PSTN side: every call from the trunk's addresses lands in ccc-inbound. DTMF by
        # RFC 4733 when the caller offers it, else by SIP INFO. Who answers inside (an agent's
        # name and extension) is not the public's business: no connected-line updates (they
        # would also re-INVITE the carrier on every queue answer and transfer), no RPID.
        "[caller-trunk](endpoint-base)\ncontext=ccc-inbound\ndtmf_mode=auto_info\n"
        "send_connected_line=no\nsend_rpid=no\n",
        "[caller-trunk]\ntype=identify\nendpoint=caller-trunk\n"
        + "".join(f"match={address}\n" for address in site.trunk_match),
        # The admin's phone: records prompts by feature code, registers with digest auth.
        "[admin](endpoint-base)\ncontext=ccc-admin\ndtmf_mode=auto_info\nauth=admin-auth\n"
        "aors=admin\n",
        "[admin]\ntype=aor\nmax_contacts=1\nremove_existing=yes\n",
        f"[admin-auth]\ntype=auth\nauth_type=digest\nusername=admin\npassword={site.admin_password}\n",
    ]
    if site.language_line_password is not None:
        # The interpretation line the service conferences in (policy `interpreters.line`);
        # like a carrier's line, it gets no connected-line re-INVITEs as it joins the bridge.
        sections.append(
            "[language-line](endpoint-base)\ncontext=ccc-phones\ndtmf_mode=auto_info\n"
            "auth=language-line-auth\naors=language-line\nsend_connected_line=no\n"
        )
        sections.append("[language-line]\ntype=aor\nmax_contacts=1\nremove_existing=yes\n")
        sections.append(
            "[language-line-auth]\ntype=auth\nauth_type=digest\nusername=language-line\n"
            f"password={site.language_line_password}\n"
        )
    # Agents' phones, generated by the service from the roster in the database.
    sections.append('#tryinclude "pjsip_agents.conf"\n')
    if site.carrier_contact is not None:
        # Outside calls only: nothing comes in from it (the caller trunk is the public side).
        sections.append(
            "[carrier](endpoint-base)\ncontext=ccc-not-ours\ndtmf_mode=auto_info\n"
            "aors=carrier\nsend_connected_line=no\nsend_rpid=no\n"
        )
        sections.append(f"[carrier]\ntype=aor\ncontact={site.carrier_contact}\n")
    for name, phone in policy.static_phones.items():
        sections.append(
            f"[{name}](endpoint-base)\ncontext=ccc-phones\ndtmf_mode=auto_info\naors={name}\n"
        )
        sections.append(f"[{name}]\ntype=aor\ncontact={phone.contact}\n")
    return "\n".join(sections)


def _queues(policy: Policy, site: Site) -> str:
    routing = policy.agents.routing
    sections = [
        "[general]\npersistentmembers=no\nshared_lastcall=yes\nlog_membername_as_agent=yes\n"
    ]
    for name, queue in policy.queues.items():
        lines = [
            f"[{name}]",
            f"musicclass={queue.music_class}",
            # The longest-idle Ready agent first; a member on a call is never rung.
            "strategy=leastrecent",
            f"timeout={routing.ring_seconds}",
            "retry=2",
            f"wrapuptime={routing.wrapup_seconds}",
            # A caller waits for a person even when nobody is logged in: never voicemail.
            "joinempty=yes",
            "leavewhenempty=no",
            "ringinuse=no",
            # Let a caller ring out on an agent and that agent is paused (the service records
            # it as Not Ready with a reason).
            "autopause=yes",
            f"announce-frequency={routing.announce_position_seconds}",
            "announce-position=yes"
            if routing.announce_position_seconds
            else "announce-position=no",
            "announce-holdtime=once"
            if routing.announce_position_seconds
            else "announce-holdtime=no",
        ]
        if name != policy.agents.help_queue:
            lines += _callback_offer(policy, site)
        lines += [f"member => {member}" for member in queue.members]
        sections.append("\n".join(lines) + "\n")
    for name in (q for queues in policy.language_queues().values() for q in queues):
        # Only speakers of the language are members, and a caller stays only while one of
        # them is free: otherwise the caller goes on at once to the queue everyone is in.
        sections.append(
            f"[{name}]\nstrategy=leastrecent\ntimeout={routing.ring_seconds}\nretry=2\n"
            f"wrapuptime={routing.wrapup_seconds}\nringinuse=no\nautopause=yes\n"
            "joinempty=paused,penalty,inuse,ringing,unavailable,invalid,unknown,wrapup\n"
            "leavewhenempty=paused,penalty,inuse,ringing,unavailable,invalid,unknown,wrapup\n"
            "announce-frequency=0\n"
        )
    return "\n".join(sections)


def _callback_offer(policy: Policy, site: Site) -> list[str]:
    """The callback offer (measured on Asterisk 22): app_queue's periodic announcement, first
    after `offer_after_seconds` in this queue, in the caller's channel language (an absolute
    sound path is looked up as <dir>/<language>/<name>); the key 1 leaves the queue into
    ccc-callback-offer (QUEUEPOSITION and QUEUEWAIT_MS set), other keys are ignored. The
    agent's interface is set on the caller's channel (MEMBERINTERFACE) when they answer."""
    offer = policy.callbacks
    if not offer.enabled:
        return []
    return [
        "context=ccc-callback-offer",
        f"periodic-announce={site.sounds_dir}/{OFFER_PROMPT}",
        f"periodic-announce-startdelay={offer.offer_after_seconds}",
        f"periodic-announce-frequency={offer.offer_repeat_seconds}",
        "setinterfacevar=yes",
    ]


def _queue_extension(policy: Policy, name: str) -> str:
    """Queue entry: what the agent's phone shows, the language-first try, then everyone."""
    wait = policy.agents.routing.language_wait_seconds
    lines = [
        f"exten => {name},1,Set(CCC_QUEUE={name})",
        " same => n,Gosub(ccc-agent-display,s,1)",
        # app_queue's own sounds (the callback offer) in the caller's language.
        ' same => n,ExecIf($["${CCC_LANGUAGE}" != ""]?Set(CHANNEL(language)=${CCC_LANGUAGE}))',
    ]
    codes = [lang.code for lang in policy.languages[1:]]
    variants = dict(zip(codes, policy.language_queues().get(name, []), strict=False))
    for code in variants:
        lines.append(f' same => n,GotoIf($["${{CCC_LANGUAGE}}" = "{code}"]?{code})')
    lines.append(f" same => n(all),Queue({name},b(ccc-agent-headers^s^1))")
    lines.append(" same => n,Hangup(16)")
    for code, queue in variants.items():
        lines.append(f" same => n({code}),Queue({queue},b(ccc-agent-headers^s^1),,,{wait})")
        lines.append(" same => n,Goto(all)")
    return "\n".join(lines) + "\n"


def _generated_dialplan(policy: Policy, site: Site) -> str:
    queue_exts = "".join(_queue_extension(policy, name) for name in policy.queues)
    return (
        "; Generated by ccc-telephony from the policy; edit the policy, not this file.\n"
        "[globals]\n"
        f"CCC_ARI_APP={site.ari_app}\n"
        f"CCC_AGI={site.agi_url}\n"
        f"CCC_SOUNDS={site.sounds_dir}\n"
        f"CCC_OPERATOR_QUEUE={policy.operator_queue}\n"
        f"CCC_MAIN_NUMBER={policy.main_number}\n"
        f"CCC_TRANSFER_PRIO={policy.transfers.priority}\n"
        f"CCC_TRANSFER_RING={policy.transfers.ring_seconds}\n"
        f"CCC_HELP_QUEUE={policy.agents.help_queue}\n"
        f"CCC_ESCALATION_WAIT={policy.transfers.escalation_wait_seconds}\n"
        f"CCC_FEATURES={'#'.join(code.name for code in policy.feature_codes())}\n\n"
        "[ccc-main-number]\n"
        f"exten => {policy.main_number},1,Set(CCC_DIALED=${{EXTEN}})\n"
        " same => n,Goto(ccc-ivr,s,1)\n\n"
        "[ccc-queues]\n" + queue_exts + "\n" + _interpreter_id(policy) + "\n" + _mailboxes(policy)
    )


def _mailboxes(policy: Policy) -> str:
    """Staff mailboxes' direct numbers: the policy's prefix and exactly as many digits as the
    roster's extensions have (mailboxes.extension_digits), from the caller trunk and staff
    phones (ccc-mailbox in extensions.conf); a longer number is not a mailbox's."""
    prefix = policy.mailboxes.direct_prefix
    lines = [
        f"exten => {pattern},1,Goto(ccc-mailbox,${{EXTEN:{len(prefix)}}},1)\n"
        for pattern in policy.mailboxes.direct_patterns()
    ]
    return "[ccc-mailboxes]\n" + "".join(lines)
