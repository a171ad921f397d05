"""A SIPp scenario built from pieces: the caller's INVITE (with or without digest auth), ACK,
keys by SIP INFO, BYE; a phone's REGISTER; the answering side's 180, 200, CANCEL and BYE. Every
test and tool writes its SIP through these pieces, so a fix (a header, a Via branch, the digest
exchange) is made once.

The pieces keep the bookkeeping SIPp leaves to the author: which side of the dialog we are (a
BYE from the answering side swaps From and To and goes to the caller's Contact), labels for
branches, and where a piece may stand: keys before the call is up, or an ACK with no INVITE,
raise ValueError when the scenario is built, not in SIPp. CSeq numbers are SIPp's `[cseq]`: one
more for each request we send (ACK keeps the INVITE's), and past any the other side sent us,
which also holds for requests sent in a loop.

Branches: a piece that waits for something that may not come (`ring(for_ms=...)` waiting for a
CANCEL, `hold(...)` waiting for a BYE) takes the other path as an *ending*: a short block SIPp
jumps to, rendered after the main line, that logs what happened and ends the scenario.

A runner steers a scenario by *signals*: requests it sends to SIPp's port on the call's own
Call-ID, which `receive_request`, `hold(until_request=...)` and `keys_when_told` wait for.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, Self
from xml.sax.saxutils import quoteattr

_TOKEN = re.compile(r"^[A-Za-z0-9._~!$&'()*+,;=%-]+$")  # a SIP user part, no escapes
_SECRET = re.compile(r"^[^\s\[\]\"]+$")  # must fit inside SIPp's [authentication ...] keyword
_KEYS = frozenset("0123456789*#ABCD")
_END = "end"
# Where `receive_invite` keeps both parties of the call and a token of its Call-ID, filled in
# by `render` only when a request of ours uses them: SIPp refuses a variable set and never used.
# The token makes our Via branch unique: SIPp numbers every out-of-call call 0, so `[branch]`
# repeats from one incoming call to the next, and Asterisk takes the second call's BYE for a
# retransmission of the first one's (and answers it with that 200). `[branch]` also repeats
# for a request sent again in a loop (keys, transfers): the CSeq in it keeps each apart.
_PARTIES = "<!-- parties -->"
_PARTY_EREGS = (
    '      <ereg regexp="[^ \t].*" search_in="hdr" header="From:" assign_to="remote_party"/>\n'
    '      <ereg regexp="[^ \t].*" search_in="hdr" header="To:" assign_to="local_party"/>\n'
    '      <ereg regexp="[A-Za-z0-9.!%*_+\'~-]+" search_in="hdr" header="Call-ID:"'
    ' assign_to="call_token"/>\n'
)
# Where the other side's SDP (their 200, or their INVITE) names its RTP port, kept when our
# audio is a Python `RtpParty` (Identity.rtp_port): the party must know where to send.
_MEDIA = "<!-- media -->"
_MEDIA_EREG = (
    '      <ereg regexp="m=audio ([0-9]+)" search_in="body" assign_to="rtp_offer,rtp_remote"/>\n'
)
_MEDIA_LOG = "media [call_id] [$rtp_remote] [$rtp_offer]"


def _action(eregs: str) -> str:
    return f"\n    <action>\n{eregs}    </action>\n  " if eregs else ""


@dataclass(frozen=True)
class Credentials:
    """Digest credentials for a challenged REGISTER or INVITE."""

    username: str
    password: str = field(repr=False)

    def __post_init__(self) -> None:
        if not _TOKEN.match(self.username):
            raise ValueError(f"SIP username not usable in a scenario: {self.username!r}")
        if not _SECRET.match(self.password):
            raise ValueError("the password has a space, quote or bracket: SIPp cannot carry it")
        if self.password.lower().startswith("0x"):
            raise ValueError("the password starts with 0x: SIPp reads it as a hexadecimal key")


@dataclass(frozen=True, kw_only=True)
class Identity:
    """Who we are in From and Contact: the user part (Asterisk matches an endpoint by it when
    `endpoint_identifier_order` starts with username) and the caller ID name."""

    user: str
    display_name: str | None = None
    # Our audio's port when a Python RTP party (tests.sipp.media) plays and hears it; None:
    # SIPp's own media port, which sends nothing.
    rtp_port: int | None = None

    def __post_init__(self) -> None:
        if not _TOKEN.match(self.user):
            raise ValueError(f"SIP user not usable in a scenario: {self.user!r}")

    def address(self) -> str:
        """`"Name" <sip:user@[local_ip]:[local_port]>`, the name made safe for SIP and SIPp."""
        uri = f"<sip:{self.user}@[local_ip]:[local_port]>"
        if self.display_name is None:
            return uri
        return f'"{safe_display_name(self.display_name)}" {uri}'


def safe_display_name(name: str) -> str:
    """The name as it can travel in a quoted SIP display name inside a CDATA section that SIPp
    scans for `[keywords]` and `\\x` escapes: no double quote (becomes '), backslash (/),
    bracket (parentheses) or line break (space). Everything else goes through verbatim: hostile
    caller names are test data."""
    cleaned = name.replace('"', "'").replace("\\", "/").replace("[", "(").replace("]", ")")
    return re.sub(r"[\r\n\x00]", " ", cleaned)


def _sdp(identity: Identity) -> str:
    owner = identity.user
    port = "[media_port]" if identity.rtp_port is None else str(identity.rtp_port)
    return (
        "v=0\n"
        f"o={owner} 53655765 2353687637 IN IP[local_ip_type] [local_ip]\n"
        "s=-\n"
        "c=IN IP[media_ip_type] [media_ip]\n"
        "t=0 0\n"
        f"m=audio {port} RTP/AVP 0\n"
        "a=rtpmap:0 PCMU/8000\n"
    )


def _send(message: str, *, retrans: bool = True) -> str:
    """A <send>; requests that expect a response go again every 500 ms (UDP) until it comes."""
    attribute = ' retrans="500"' if retrans else ""
    return f"  <send{attribute}><![CDATA[\n{message.strip()}\n\n]]></send>\n"


def _recv(what: str, value: str, **attributes: str) -> str:
    extra = "".join(f" {name}={quoteattr(text)}" for name, text in attributes.items())
    return f"  <recv {what}={quoteattr(value)}{extra}/>\n"


def _log(message: str | None, *, then: str | None = None) -> str:
    """A `<log>` line; with `then`, jump to that label in the same step. One step matters
    where SIPp then waits for a runner's signal: between two steps SIPp reads its socket, and
    a signal sent as soon as the line was read would find SIPp between them and be
    unexpected."""
    jump = "" if then is None else f' next="{then}"'
    if message is None:
        return f"  <nop{jump}/>\n" if then is not None else ""
    return f"  <nop{jump}><action><log message={quoteattr(message)}/></action></nop>\n"


def _label(name: str) -> str:
    return f'  <label id="{name}"/>\n'


def _go_to(name: str) -> str:
    return f'  <nop next="{name}"/>\n'


Role = Literal["caller", "callee"]


class Scenario:
    """One SIPp scenario, piece by piece (each method returns the scenario; `render()` gives
    the XML). Placing a call, authenticated as the admin, pressing keys, hanging up::

        Scenario("admin", identity=Identity(user="admin")) \\
            .invite(auth=credentials).ack().keys("12#").pause(3000).bye()

    Answering one (SIPp runs it for each call Asterisk places to the phone)::

        Scenario("phone").receive_invite().ring().answer().receive_ack().receive_bye()

    `[service]` in a request line is SIPp's `-s`: the number dialled.
    """

    def __init__(self, name: str, *, identity: Identity | None = None) -> None:
        self.name = name
        self.identity = identity or Identity(user="sipp")
        self._main: list[str] = []
        self._endings: list[str] = []
        self._role: Role | None = None
        self._up = False  # in a call: our INVITE answered, or theirs answered by us
        self._ack_due = False  # a 200 to an INVITE waits for its ACK (ours or theirs)
        self._labels = 0

    # --- the calling side -------------------------------------------------------------------

    def invite(self, *, auth: Credentials | None = None) -> Self:
        """INVITE `[service]` with an SDP offer (PCMU), and wait for its 200 (100, 180 and 183
        optional). With `auth`, the first INVITE is expected to be challenged (401 or 407): it
        is ACKed and sent again with SIPp's digest answer and the next CSeq."""
        self._need(self._role is None, "one call per scenario")
        self._role = "caller"

        def request(authorization: str) -> str:
            return (
                self._caller_head("INVITE", to_tag=False)
                + authorization
                + "Content-Type: application/sdp\nContent-Length: [len]\n\n"
                + _sdp(self.identity)
            )

        xml = self._challenged(request, auth, ack_challenge=True)
        xml += (
            _recv("response", "100", optional="true")
            + _recv("response", "180", optional="true")
            + _recv("response", "183", optional="true")
            + f'  <recv response="200" rtd="true">{_MEDIA}</recv>\n'
        )
        self._up = self._ack_due = True
        return self._add(xml)

    def ack(self) -> Self:
        """ACK the 200 to our INVITE: the call is up from here."""
        self._need(self._role == "caller" and self._ack_due, "ACK needs an answered INVITE")
        self._ack_due = False
        head = self._caller_head("ACK", to_tag=True)
        self._add(_send(head + "Content-Length: 0\n", retrans=False))
        return self._media_up()

    # --- in a call, on either side ----------------------------------------------------------

    def keys(self, digits: str, *, first_ms: int = 300, between_ms: int = 120) -> Self:
        """Each key by SIP INFO (application/dtmf-relay), one request and its 200 per key. The
        other side's endpoint needs `dtmf_mode=info` (or `auto_info`). The pauses are SIPp's:
        for keys that must wait for something only the runner sees, use `keys_when_told`."""
        self._need_call("keys")
        for index, key in enumerate(digits):
            self._need(key in _KEYS, f"not a DTMF key: {key!r}")
            self.pause(first_ms if index == 0 else between_ms)
            self._add(_send(self._info(key)) + _recv("response", "200"))
        return self

    def keys_when_told(
        self,
        *,
        key_request: str,
        until_request: str,
        gap_ms: int = 100,
        on_key: str | None = None,
        on_bye: str | None = None,
    ) -> Self:
        """Stay on the call and press (by SIP INFO) each key a runner sends in a `key_request`
        (its body: the key), as many as come, `gap_ms` apart; `on_key` is logged after each
        (`[$key]` is the key). An `until_request` ends this piece (go on, e.g. to `bye()`);
        the other side's BYE is answered, `on_bye` logged, and the scenario ends."""
        self._need_call("keys")
        waiting = self._label("orders")
        go_on = self._label("told")
        hung_up = self._ending(self._bye_taken(), on_bye)
        take_key = (
            f"  <recv request={quoteattr(key_request)}>\n    <action>\n"
            '      <ereg regexp="^[0-9*#A-D]" search_in="body" check_it="true" assign_to="key"/>\n'
            "    </action>\n  </recv>\n"
        )
        xml = (
            _label(waiting)
            + _recv("request", "BYE", optional="true", next=hung_up)
            + _recv("request", until_request, optional="true", next=go_on)
            + take_key
            + _send(self._info("[$key]"))
            + _recv("response", "200")
            + (f'  <pause milliseconds="{gap_ms}"/>\n' if gap_ms > 0 else "")
            + _log(on_key, then=waiting)
            + _label(go_on)
        )
        return self._add(xml)

    def transfers_when_told(
        self,
        *,
        refer_request: str,
        until_request: str,
        on_referred: str,
        key_request: str | None = None,
        on_key: str | None = None,
        on_bye: str | None = None,
    ) -> Self:
        """Stay on the call; for each `refer_request` a runner sends (its body: a Refer-To
        value, e.g. `<sip:7003@127.0.0.1:5260>`), ask for a blind transfer: REFER, and once
        its 202 came, log `on_referred`. The transfer's progress NOTIFYs are left to SIPp's
        automatic answers (`-aa`): they come back to back, and one arriving while a scenario
        sends its 200 to the one before would be lost to it anyway; what the transfer did is
        for the runner to see where it happened (the other side's BYE, Asterisk's events).
        The other side's BYE (Asterisk hangs up a phone whose blind transfer went ahead) is
        answered, `on_bye` logged, and the scenario ends; an `until_request` ends this piece
        (it must not be NOTIFY: Asterisk sends those in the call). With `key_request`, keys
        come too, as in `keys_when_told` (`on_key` logged after each; `[$key]`)."""
        self._need_call("REFER")
        self._need(until_request != "NOTIFY", "NOTIFY is the transfer's own progress")
        waiting = self._label("talking")
        go_on = self._label("told")
        hung_up = self._ending(self._bye_taken(), on_bye)
        refer = self._in_dialog(
            "REFER",
            extra=(
                "Refer-To: [$referto]\n"
                f"Referred-By: <sip:{self.identity.user}@[local_ip]:[local_port]>\n"
            ),
        )
        take_target = (
            f"  <recv request={quoteattr(refer_request)}>\n    <action>\n"
            '      <ereg regexp="[^\r\n]+" search_in="body" check_it="true"'
            ' assign_to="referto"/>\n'
            "    </action>\n  </recv>\n"
        )
        keys = keys_option = ""
        if key_request is not None:
            # An optional receive takes the key (its action) and jumps to the INFO that sends it.
            pressing = self._label("pressing")
            keys_option = (
                f'  <recv request={quoteattr(key_request)} optional="true" next="{pressing}">\n'
                "    <action>\n"
                '      <ereg regexp="^[0-9*#A-D]" search_in="body" check_it="true"'
                ' assign_to="key"/>\n'
                "    </action>\n  </recv>\n"
            )
            keys = (
                _label(pressing)
                + _send(self._info("[$key]"))
                + _recv("response", "200")
                + _log(on_key, then=waiting)
            )
        xml = (
            _label(waiting)
            + _recv("request", "BYE", optional="true", next=hung_up)
            + _recv("request", until_request, optional="true", next=go_on)
            + keys_option
            + take_target
            + _send(refer)
            + _recv("response", "202")
            + _log(on_referred, then=waiting)
            + keys
            + _label(go_on)
        )
        return self._add(xml)

    def pause(self, milliseconds: int) -> Self:
        self._need(milliseconds >= 0, "a pause is never negative")
        if milliseconds == 0:
            return self  # SIPp reads 0 as "the -d default", not as no pause
        return self._add(f'  <pause milliseconds="{milliseconds}"/>\n')

    def bye(self) -> Self:
        """We hang up: BYE from whichever side we are, and its 200."""
        self._need_call("BYE")
        self._up = False
        return self._add(_send(self._in_dialog("BYE")) + _recv("response", "200", crlf="true"))

    def log(self, message: str) -> Self:
        """A line in SIPp's `-log_file` (SIPp's `-trace_logs`), keywords such as `[call_id]`
        expanded: how a runner learns what happened, as it happens."""
        return self._add(_log(message))

    def receive_request(self, method: str) -> Self:
        """Wait for a request of `method` on this scenario's own Call-ID and take it without a
        reply: a runner's signal to go on (e.g. "un-REGISTER now")."""
        return self._add(_recv("request", method))

    # --- registration -----------------------------------------------------------------------

    def register(self, auth: Credentials | None = None, *, expires_s: int = 3600) -> Self:
        """REGISTER this SIPp's address and port as the Contact of `identity.user`, challenged
        when `auth` is given (as INVITE). `expires_s=0` removes the binding."""
        self._need(self._role is None, "REGISTER and a call do not share a scenario")
        user = self.identity.user

        def request(authorization: str) -> str:
            return (
                "REGISTER sip:[remote_ip]:[remote_port] SIP/2.0\n"
                "Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]\n"
                f"From: <sip:{user}@[remote_ip]:[remote_port]>;tag=[pid]SIPpTag00[call_number]\n"
                f"To: <sip:{user}@[remote_ip]:[remote_port]>\n"
                "Call-ID: [call_id]\n"
                "CSeq: [cseq] REGISTER\n"
                f"Contact: <sip:{user}@[local_ip]:[local_port]>\n"
                f"Expires: {expires_s}\n"
                f"{authorization}Max-Forwards: 70\n"
                "Content-Length: 0\n"
            )

        xml = self._challenged(request, auth, ack_challenge=False)
        return self._add(xml + _recv("response", "100", optional="true") + _recv("response", "200"))

    def unregister(self, auth: Credentials | None = None) -> Self:
        """REGISTER with Expires 0: Asterisk drops the contact at once (endpoint offline)."""
        return self.register(auth, expires_s=0)

    # --- the answering side -----------------------------------------------------------------

    def receive_invite(self, *, on_message_summary: str | None = None) -> Self:
        """Take an INVITE (as the first piece: SIPp starts the scenario per incoming call).
        Keeps the caller's Contact and route set (`[next_url]`, `[routes]`) and both parties
        for requests of ours in the call.

        With `on_message_summary`, a NOTIFY may come instead (Asterisk's message-waiting
        indication to a phone whose endpoint names a mailbox: a request of its own, outside
        any call): it is answered 200, `on_message_summary` logged (`[$mwi]` is its
        `Messages-Waiting: yes|no` line, `[$voice]` its `Voice-Message: new/old` line), and
        the scenario ends."""
        self._need(self._role is None, "one call per scenario")
        self._role = "callee"
        xml = ""
        if on_message_summary is not None:
            summary = self._ending(
                _send(self._response("200 OK"), retrans=False), on_message_summary
            )
            xml = (
                f'  <recv request="NOTIFY" optional="true" next="{summary}">\n    <action>\n'
                '      <ereg regexp="Messages-Waiting: *[a-z]+" search_in="body"'
                ' assign_to="mwi"/>\n'
                '      <ereg regexp="Voice-Message: *[0-9]+/[0-9]+" search_in="body"'
                ' assign_to="voice"/>\n'
                "    </action>\n  </recv>\n"
            )
        return self._add(xml + f'  <recv request="INVITE" rrs="true">{_PARTIES}</recv>\n')

    def ring(self, *, for_ms: int = 0, on_cancel: str | None = None) -> Self:
        """180 Ringing; with `for_ms`, keep ringing that long before the next piece (the answer),
        unless the caller gives up first: then the CANCEL is taken (as `receive_cancel`),
        `on_cancel` logged, and the scenario ends."""
        self._need_offer("180")
        xml = _send(self._response("180 Ringing"), retrans=False)
        if for_ms > 0:
            go_on = self._label("rung")
            cancelled = self._ending(self._cancel_taken(), on_cancel)
            xml += _recv("request", "CANCEL", timeout=str(for_ms), ontimeout=go_on, next=cancelled)
            xml += _label(go_on)
        return self._add(xml)

    def answer(self) -> Self:
        """200 OK with our SDP (PCMU), sent again until the caller's ACK comes."""
        self._need_offer("200")
        self._up = self._ack_due = True
        body = _sdp(self.identity)
        return self._add(_send(self._response("200 OK", body=body, kind="application/sdp")))

    def receive_ack(self) -> Self:
        """The caller's ACK to our 200: the call is up from here."""
        self._need(self._role == "callee" and self._ack_due, "an ACK follows our 200")
        self._ack_due = False
        self._add(_recv("request", "ACK", crlf="true"))
        return self._media_up()

    def hold(
        self,
        milliseconds: int | None = None,
        *,
        until_request: str | None = None,
        on_bye: str | None = None,
    ) -> Self:
        """Stay on the call until `milliseconds` pass or a request `until_request` comes on
        this call (a runner's "hang up now"), then go on (e.g. to `bye()`). If the other side
        hangs up first, its BYE is answered, `on_bye` logged, and the scenario ends."""
        self._need_call("hold")
        self._need(
            (milliseconds is None or milliseconds > 0)
            and (milliseconds is not None or until_request is not None),
            "hold for some time or until a request (else wait with receive_bye)",
        )
        go_on = self._label("held")
        hung_up = self._ending(self._bye_taken(), on_bye)
        timing = {} if milliseconds is None else {"timeout": str(milliseconds), "ontimeout": go_on}
        if until_request is None:
            xml = _recv("request", "BYE", **timing, next=hung_up)
        else:
            # SIPp waits at the first of a run of receives (the BYE, with the timeout) and
            # matches a request against the optional ones and the first mandatory one.
            xml = _recv("request", "BYE", **timing, optional="true", next=hung_up)
            xml += _recv("request", until_request)
        return self._add(xml + _label(go_on))

    def receive_bye(self) -> Self:
        """Stay on the call until the other side hangs up; answer its BYE."""
        self._need_call("receive_bye")
        self._up = False
        return self._add(_recv("request", "BYE") + self._bye_taken())

    def receive_cancel(self) -> Self:
        """Never answer: wait for the caller to give up (CANCEL), answer it 200, end the INVITE
        with 487 and take its ACK."""
        self._need_offer("CANCEL")
        return self._add(_recv("request", "CANCEL") + self._cancel_taken())

    def reject(self, status: str = "486 Busy Here") -> Self:
        """End the INVITE with an error response (busy, declined) and take its ACK."""
        self._need_offer(status)
        return self._add(_send(self._response(status)) + _recv("request", "ACK"))

    # --- output -----------------------------------------------------------------------------

    def render(self) -> str:
        """The scenario file's text (write it ISO-8859-1, as its prologue says)."""
        self._need(self._role != "caller" or not self._ack_due, "an answered INVITE needs ack()")
        body = "".join(self._main)
        if self._endings:
            body += _go_to(_END) + "".join(self._endings) + _label(_END)
        media = _MEDIA_EREG if "[$rtp_remote]" in body else ""
        parties = _PARTY_EREGS if "[$local_party]" in body else ""
        body = body.replace(_PARTIES, _action(parties + media)).replace(_MEDIA, _action(media))
        return (
            '<?xml version="1.0" encoding="ISO-8859-1" ?>\n'
            f"<scenario name={quoteattr(self.name)}>\n{body}</scenario>\n"
        )

    # --- plumbing ---------------------------------------------------------------------------

    def _media_up(self) -> Self:
        """Once the call is up, where the other side wants our RTP (for an `RtpParty`)."""
        return self.log(_MEDIA_LOG) if self.identity.rtp_port is not None else self

    def _add(self, xml: str) -> Self:
        self._main.append(xml)
        return self

    def _label(self, stem: str) -> str:
        self._labels += 1
        return f"{stem}-{self._labels}"

    def _ending(self, xml: str, message: str | None) -> str:
        """A block after the main line that SIPp jumps to; returns its label."""
        label = self._label("ending")
        self._endings.append(_label(label) + xml + _log(message, then=_END))
        return label

    def _need(self, condition: bool, what: str) -> None:
        if not condition:
            raise ValueError(f"scenario {self.name!r}: {what}")

    def _need_call(self, what: str) -> None:
        self._need(self._up and not self._ack_due, f"{what} needs a call that is up (ACKed)")

    def _need_offer(self, what: str) -> None:
        self._need(
            self._role == "callee" and not self._up, f"{what} answers an INVITE not yet answered"
        )

    def _challenged(
        self, request: Callable[[str], str], auth: Credentials | None, *, ack_challenge: bool
    ) -> str:
        """Send `request(authorization_line)`; with `auth`, take the 401 or 407 (after an
        optional 100), ACK it for an INVITE, and send the request again (next CSeq) with
        SIPp's digest answer (its `[authentication]` keyword, computed from the challenge)."""
        xml = _send(request(""))
        if auth is None:
            return xml
        retry = self._label("challenged")
        xml += (
            _recv("response", "100", optional="true")
            + _recv("response", "401", auth="true", optional="true", next=retry)
            + _recv("response", "407", auth="true")
            + _label(retry)
        )
        if ack_challenge:
            # The ACK of an error response is part of the INVITE's transaction: its Via, From
            # and To (with the tag the challenge added), the INVITE's CSeq.
            xml += _send(
                "ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0\n"
                "[last_Via:]\n[last_From:]\n[last_To:]\nCall-ID: [call_id]\nCSeq: [cseq] ACK\n"
                f"Contact: <sip:{self.identity.user}@[local_ip]:[local_port]>\n"
                "Max-Forwards: 70\nContent-Length: 0\n",
                retrans=False,
            )
        answer = f"[authentication username={auth.username} password={auth.password}]\n"
        return xml + _send(request(answer))

    def _caller_head(self, method: str, *, to_tag: bool) -> str:
        """A request's first lines on the calling side, up to Max-Forwards."""
        tag = "[peer_tag_param]" if to_tag else ""
        return (
            f"{method} sip:[service]@[remote_ip]:[remote_port] SIP/2.0\n"
            "Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]-[cseq]\n"
            f"From: {self.identity.address()};tag=[pid]SIPpTag00[call_number]\n"
            f"To: <sip:[service]@[remote_ip]:[remote_port]>{tag}\n"
            "Call-ID: [call_id]\n"
            f"CSeq: [cseq] {method}\n"
            f"Contact: <sip:{self.identity.user}@[local_ip]:[local_port]>\n"
            "Max-Forwards: 70\n"
        )

    def _callee_head(self, method: str) -> str:
        """A request's first lines on the answering side: to the caller's Contact, From and To
        swapped (as `receive_invite` kept them)."""
        return (
            f"{method} [next_url] SIP/2.0\n"
            "Via: SIP/2.0/[transport] [local_ip]:[local_port]"
            ";branch=[branch]-[$call_token]-[cseq]\n"
            "[routes]\n"
            "From: [$local_party];tag=[pid]SIPpTag01[call_number]\n"
            "To: [$remote_party]\n"
            "Call-ID: [call_id]\n"
            f"CSeq: [cseq] {method}\n"
            f"Contact: <sip:{self.identity.user}@[local_ip]:[local_port]>\n"
            "Max-Forwards: 70\n"
        )

    def _in_dialog(self, method: str, *, extra: str = "", body: str = "") -> str:
        if self._role == "caller":
            head = self._caller_head(method, to_tag=True)
        else:
            head = self._callee_head(method)
        tail = f"Content-Length: [len]\n\n{body}" if body else "Content-Length: 0\n"
        return head + extra + tail

    def _info(self, key: str) -> str:
        return self._in_dialog(
            "INFO",
            extra="Content-Type: application/dtmf-relay\n",
            body=f"Signal={key}\nDuration=160\n",
        )

    def _response(self, status: str, *, body: str = "", kind: str = "", tag: bool = True) -> str:
        """A response to the last request received. `tag`: add our To tag, for a request
        outside the dialog so far (INVITE, CANCEL); one tag for the whole call. A request in
        the dialog (BYE) already carries it."""
        to_tag = ";tag=[pid]SIPpTag01[call_number]" if tag else ""
        head = (
            f"SIP/2.0 {status}\n[last_Via:]\n[last_From:]\n"
            f"[last_To:]{to_tag}\n[last_Call-ID:]\n[last_CSeq:]\n"
            f"Contact: <sip:{self.identity.user}@[local_ip]:[local_port]>\n"
        )
        if body:
            return head + f"Content-Type: {kind}\nContent-Length: [len]\n\n{body}"
        return head + "Content-Length: 0\n"

    def _bye_taken(self) -> str:
        """The 200 to the other side's BYE."""
        return _send(self._response("200 OK", tag=False), retrans=False)

    def _cancel_taken(self) -> str:
        """After a CANCEL: its 200, the INVITE's 487 and that response's ACK."""
        # The CANCEL carries the INVITE's Via, From, To, Call-ID and CSeq number: only the
        # method differs in the 487.
        terminated = self._response("487 Request Terminated").replace(
            "[last_CSeq:]", "CSeq: [last_cseq_number] INVITE"
        )
        return (
            _send(self._response("200 OK"), retrans=False)
            + _send(terminated)
            + _recv("request", "ACK")
        )
