"""An agent's SIP phone played by SIPp: it REGISTERs as its user with digest auth, answers
(or lets ring, or refuses) the calls Asterisk places to it, hangs up when told, places calls
of its own (INVITE with digest auth, keys by SIP INFO when told), and un-REGISTERs when stopped.

One SIPp process per phone. Its main scenario is the registration: REGISTER, wait for the
runner's signal, un-REGISTER. Calls Asterisk places to the phone carry Call-IDs SIPp has never
seen; SIPp runs each through the out-of-call scenario (`-oocsf`), the answering side, while the
registration waits. A call the phone places is a second SIPp (`OutgoingCall`): one SIPp cannot
start a call while its only scenario waits in another. How the runner follows and steers SIPp:
see `runner`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.sipp.runner import MessageSummary, SippDriven, SippError, SippProcess, SippState
from tests.sipp.scenario import Credentials, Identity, Scenario

# The runner's signals: "go on" (un-REGISTER, hang up), "press the key in my body", and
# "transfer the call to the Refer-To in my body". Methods Asterisk never sends a phone in a
# call (it sends NOTIFY there: a transfer's progress).
GO_ON = "SUBSCRIBE"
PRESS = "MESSAGE"
TRANSFER = "PUBLISH"


@dataclass(frozen=True, kw_only=True)
class CallHandling:
    """What the phone does with each call Asterisk places to it.

    - answer (default): ring `ring_ms`, answer, and stay until the caller hangs up, the runner
      says hang up (`SipPhone.hang_up`), or `hold_ms` have passed;
    - `answer=False`: ring until the caller gives up (Asterisk's CANCEL: ring-no-answer);
    - `reject="486 Busy Here"` (or another status line): refuse at once;
    - `transfers=True`: answer, then transfer the call when the runner says
      (`SipPhone.transfer`: a blind transfer by SIP REFER), as often as it says.
    """

    answer: bool = True
    ring_ms: int = 0
    hold_ms: int | None = None
    reject: str | None = None
    transfers: bool = False

    def __post_init__(self) -> None:
        if self.ring_ms < 0 or (self.hold_ms is not None and self.hold_ms <= 0):
            raise ValueError("ring_ms is at least 0, hold_ms more than 0 (or None)")
        if self.reject is not None and not self.reject[:3].isdigit():
            raise ValueError(
                f"reject is a SIP status line such as '486 Busy Here': {self.reject!r}"
            )


ANSWER = CallHandling()
NO_ANSWER = CallHandling(answer=False)
BUSY = CallHandling(reject="486 Busy Here")


def registration_scenario(identity: Identity, auth: Credentials, *, expires_s: int) -> Scenario:
    """The phone's main line: REGISTER, wait for the runner's signal, un-REGISTER."""
    return (
        Scenario("ccc phone registration", identity=identity)
        .register(auth, expires_s=expires_s)
        .log("registered [call_id]")
        .receive_request(GO_ON)
        .unregister(auth)
        .log("unregistered [call_id]")
    )


def answering_scenario(identity: Identity, handling: CallHandling) -> Scenario:
    """One incoming call, handled as `handling` says; every outcome logged for the runner."""
    call = Scenario("ccc phone answers", identity=identity).receive_invite(
        on_message_summary="mwi [call_id] [$mwi] [$voice]"
    )
    call.log("offered [call_id]")
    if handling.reject is not None:
        return call.reject(handling.reject).log("rejected [call_id]")
    if not handling.answer:
        return call.ring().receive_cancel().log("cancelled [call_id]")
    call.ring(for_ms=handling.ring_ms, on_cancel="cancelled [call_id]")
    call.answer().receive_ack().log("answered [call_id]")
    if handling.transfers:
        call.transfers_when_told(
            refer_request=TRANSFER,
            until_request=GO_ON,
            on_referred="referred [call_id]",
            key_request=PRESS,
            on_key="pressed [call_id] [$key]",
            on_bye="ended [call_id] far",
        )
    else:
        call.hold(handling.hold_ms, until_request=GO_ON, on_bye="ended [call_id] far")
    return call.bye().log("ended [call_id] phone")


def dialling_scenario(identity: Identity, auth: Credentials | None) -> Scenario:
    """The phone's own call to `[service]`: INVITE (digest auth, unless None: a caller on
    the trunk), keys when told, BYE."""
    call = Scenario("ccc phone dials", identity=identity).invite(auth=auth).ack()
    # With the dialog's tags (ours, Asterisk's): what an attended transfer's Replaces names.
    call.log("answered [call_id] [pid]SIPpTag00[call_number] [peer_tag_param]")
    call.keys_when_told(
        key_request=PRESS,
        until_request=GO_ON,
        on_key="pressed [call_id] [$key]",
        on_bye="ended [call_id] far",
    )
    return call.bye().log("ended [call_id] phone")


class SipPhone(SippDriven):
    """One agent phone; `async with` starts it and returns once it is registered, and hangs
    up and un-registers at the end::

        async with SipPhone(registrar="127.0.0.1:5460", credentials=creds,
                            local_port=5491, media_port=24000, workdir=tmp_path) as phone:
            ...  # Asterisk calls PJSIP/<user>
            (call_id,) = await phone.answered()
            await phone.hang_up()
    """

    def __init__(
        self,
        *,
        registrar: str,
        credentials: Credentials,
        local_port: int,
        media_port: int,
        workdir: Path,
        handling: CallHandling = ANSWER,
        display_name: str | None = None,
        expires_s: int = 3600,
        lifetime_s: int = 600,
        rtp_port: int | None = None,
    ) -> None:
        """`rtp_port`: the port of the `RtpParty` (tests.sipp.media) that is this phone's audio
        in its calls; without one the phone is silent."""
        self.registrar = registrar
        self.credentials = credentials
        self.identity = Identity(
            user=credentials.username, display_name=display_name, rtp_port=rtp_port
        )
        self.local_port = local_port
        self.media_port = media_port
        self.workdir = workdir
        self.handling = handling
        self.expires_s = expires_s
        self.lifetime_s = lifetime_s  # SIPp's own -timeout: no phone outlives a crashed test
        self._sipp = SippProcess(
            f"phone {credentials.username}",
            files=workdir / f"phone-{credentials.username}-{local_port}",
            local_port=local_port,
        )

    # --- life -------------------------------------------------------------------------------

    async def start(self) -> None:
        """Start SIPp; returns at once (await `registered()` for the REGISTER's 200)."""
        await self._sipp.start(
            registration_scenario(self.identity, self.credentials, expires_s=self.expires_s),
            out_of_call=answering_scenario(self.identity, self.handling),
            target=self.registrar,
            media_port=self.media_port,
            timeout_s=self.lifetime_s,
        )

    async def ready(self) -> None:
        await self.registered()

    async def close(self) -> None:
        await self.stop()

    async def stop(self, timeout: float = 10) -> SippState:
        """Hang up the calls in progress, un-REGISTER, and let SIPp exit; a SIPp that does not
        (or a phone that never registered) is terminated. Returns the final state (`exit_code`
        0: every call and the registration went as scripted). A call still ringing is left to
        SIPp, which abandons it as it exits (Asterisk sees no answer)."""
        if not self._sipp.started:
            return self.state
        with contextlib.suppress(TimeoutError, SippError):
            talking = self.state.talking
            for call_id in talking:
                self._sipp.signal(call_id, GO_ON)
            if talking:
                await self.ended(len(self.state.ended) + len(talking), timeout=timeout)
        registration = self.state.registered
        if registration is not None and self.state.exit_code is None:
            self._sipp.signal(registration, GO_ON)
            await self._sipp.exited(timeout)
        return await self._sipp.finish()

    # --- what Asterisk does to it -----------------------------------------------------------

    async def registered(self, timeout: float = 10) -> str:
        """The registration's Call-ID, once Asterisk answered the REGISTER 200."""
        state = await self._sipp.wait(
            lambda s: s.registered is not None, "200 to REGISTER", timeout=timeout
        )
        assert state.registered is not None
        return state.registered

    async def offered(self, count: int = 1, timeout: float = 15) -> tuple[str, ...]:
        """Call-IDs of the first `count` INVITEs Asterisk sent to the phone."""
        state = await self._sipp.wait(lambda s: len(s.offered) >= count, "INVITE", timeout=timeout)
        return state.offered

    async def answered(self, count: int = 1, timeout: float = 15) -> tuple[str, ...]:
        """Call-IDs of the first `count` calls answered (200 sent and ACKed)."""
        state = await self._sipp.wait(lambda s: len(s.answered) >= count, "answer", timeout=timeout)
        return state.answered

    async def ended(self, count: int = 1, timeout: float = 15) -> tuple[tuple[str, str], ...]:
        """(Call-ID, who hung up: "far" or "phone") of the first `count` answered calls that
        ended."""
        state = await self._sipp.wait(
            lambda s: len(s.ended) >= count, "end of call", timeout=timeout
        )
        return state.ended

    async def message_waiting(
        self, waiting: bool, *, new: int | None = None, timeout: float = 15
    ) -> MessageSummary:
        """Once the latest message-summary NOTIFY the phone answered says `waiting` (and `new`
        new messages, when given): the state of its mailbox's light as Asterisk told it."""

        def latest(state: SippState) -> MessageSummary | None:
            return state.summaries[-1] if state.summaries else None

        def wanted(state: SippState) -> bool:
            last = latest(state)
            return last is not None and last.waiting == waiting and new in (None, last.new)

        state = await self._sipp.wait(wanted, f"NOTIFY waiting={waiting}", timeout=timeout)
        summary = latest(state)
        assert summary is not None
        return summary

    async def cancelled(self, count: int = 1, timeout: float = 60) -> tuple[str, ...]:
        """Call-IDs of the first `count` calls the caller gave up on while the phone rang."""
        state = await self._sipp.wait(
            lambda s: len(s.cancelled) >= count, "CANCEL", timeout=timeout
        )
        return state.cancelled

    async def rejected(self, count: int = 1, timeout: float = 15) -> tuple[str, ...]:
        """Call-IDs of the first `count` calls refused (`CallHandling.reject`)."""
        state = await self._sipp.wait(
            lambda s: len(s.rejected) >= count, "rejection", timeout=timeout
        )
        return state.rejected

    async def hang_up(self, call_id: str | None = None, *, timeout: float = 10) -> None:
        """The phone hangs up a call it answered (the only one in progress by default): its
        BYE, and the 200 to it."""
        await _hang_up(self._sipp, f"phone {self.identity.user}", call_id, timeout=timeout)

    async def transfer(
        self, refer_to: str, call_id: str | None = None, *, timeout: float = 20
    ) -> None:
        """A blind transfer of the call in progress (`CallHandling(transfers=True)`) by SIP
        REFER to `refer_to` (a Refer-To value, e.g. `<sip:7003@127.0.0.1:5260>`); returns once
        Asterisk accepted it (202). If it went ahead, Asterisk hangs the phone up (`ended`)."""
        talking = self.state.talking
        call_id = call_id or (talking[0] if len(talking) == 1 else None)
        if call_id is None or call_id not in talking:
            raise ValueError(f"phone {self.identity.user}: which call? in progress: {talking}")
        done = len(self.state.referred) + 1
        self._sipp.signal(call_id, TRANSFER, body=refer_to)
        await self._sipp.wait(lambda s: len(s.referred) >= done, "202 to REFER", timeout=timeout)

    async def press(self, keys: str, call_id: str | None = None, *, timeout: float = 5) -> None:
        """Keys on the call in progress (`CallHandling(transfers=True)`), by SIP INFO: a
        feature code, say."""
        talking = self.state.talking
        call_id = call_id or (talking[0] if len(talking) == 1 else None)
        if call_id is None or call_id not in talking:
            raise ValueError(f"phone {self.identity.user}: which call? in progress: {talking}")
        await _press(self._sipp, call_id, keys, timeout=timeout)

    # --- its own calls ----------------------------------------------------------------------

    def dial(
        self,
        number: str,
        *,
        local_port: int,
        media_port: int,
        display_name: str | None = None,
        timeout_s: int = 120,
        rtp_port: int | None = None,
    ) -> OutgoingCall:
        """A call from this phone's extension to `number` (e.g. a feature code), from SIP and
        media ports of its own; `async with` it to place it (see `OutgoingCall`). The phone
        need not be registered: Asterisk knows the endpoint by the From user and the digest."""
        identity = Identity(
            user=self.identity.user,
            display_name=display_name or self.identity.display_name,
            rtp_port=rtp_port,
        )
        return OutgoingCall(
            target=self.registrar,
            number=number,
            identity=identity,
            credentials=self.credentials,
            local_port=local_port,
            media_port=media_port,
            workdir=self.workdir,
            timeout_s=timeout_s,
        )


class OutgoingCall(SippDriven):
    """A call a phone places: `async with` returns once it is answered (SippError if it is
    refused); keys are pressed when the test says (`press`), after whatever it awaited, so no
    key is lost to a channel not yet listening; leaving the block hangs up::

        async with phone.dial("*70", local_port=5496, media_port=24060) as call:
            await something_asterisk_side()
            await call.press("1234#")
    """

    def __init__(
        self,
        *,
        target: str,
        number: str,
        identity: Identity,
        credentials: Credentials | None,
        local_port: int,
        media_port: int,
        workdir: Path,
        timeout_s: int,
    ) -> None:
        """`credentials` None: a caller from outside, on the trunk (which trusts its address)."""
        self.target = target
        self.number = number
        self.identity = identity
        self.credentials = credentials
        self.local_port = local_port
        self.media_port = media_port
        self.timeout_s = timeout_s
        self._sipp = SippProcess(
            f"call {identity.user} -> {number}",
            files=workdir / f"dial-{identity.user}-{local_port}",
            local_port=local_port,
        )

    async def start(self) -> None:
        """Start SIPp (the INVITE goes at once); await `answered()` for the 200."""
        await self._sipp.start(
            dialling_scenario(self.identity, self.credentials),
            target=self.target,
            service=self.number,
            media_port=self.media_port,
            timeout_s=self.timeout_s,
        )

    async def ready(self) -> None:
        await self.answered()

    async def close(self) -> None:
        """Hang up (unless the other side did) and let SIPp exit."""
        if not self.state.ended:
            await self.hang_up()
        await self._sipp.exited(timeout=10)

    async def answered(self, timeout: float = 15) -> str:
        """The call's Call-ID once the 200 came (and was ACKed)."""
        state = await self._sipp.wait(lambda s: bool(s.answered), "answer", timeout=timeout)
        return state.answered[0]

    async def replaces(self) -> str:
        """This call's dialog as an attended transfer names it: `Call-ID;to-tag=<Asterisk's
        tag>;from-tag=<ours>` (RFC 3891), for the Refer-To of the call being transferred."""
        await self.answered()
        state = await self._sipp.wait(lambda s: s.dialog is not None, "dialog", timeout=5)
        assert state.dialog is not None
        call_id, ours, theirs = state.dialog
        return f"{call_id};to-tag={theirs};from-tag={ours}"

    async def press(self, keys: str, *, timeout: float = 5) -> None:
        """Each key by SIP INFO, in order: SIPp sends the next once the previous one's 200
        came and 100 ms passed (keys a person presses are not back to back)."""
        await _press(self._sipp, await self.answered(), keys, timeout=timeout)

    async def hang_up(self, *, timeout: float = 10) -> None:
        """Our BYE (unless the other side hung up already), and SIPp's end."""
        call_id = await self.answered()
        if not self.state.ended:
            self._sipp.signal(call_id, GO_ON)
        await self.ended(timeout=timeout)

    async def ended(self, timeout: float = 30) -> str:
        """Who hung up: "phone" (us) or "far"."""
        state = await self._sipp.wait(lambda s: bool(s.ended), "end of call", timeout=timeout)
        return state.ended[0][1]


async def _hang_up(sipp: SippProcess, who: str, call_id: str | None, *, timeout: float) -> None:
    """Our BYE on an answered call (the only one in progress by default), and the 200 to it."""
    talking = sipp.state.talking
    if call_id is None and len(talking) == 1:
        call_id = talking[0]
    if call_id is None or call_id not in talking:
        raise ValueError(f"{who}: which call? in progress: {talking}")
    sipp.signal(call_id, GO_ON)
    await sipp.wait(
        lambda s: any(ended == call_id for ended, _ in s.ended), "BYE's 200", timeout=timeout
    )


async def _press(sipp: SippProcess, call_id: str, keys: str, *, timeout: float) -> None:
    """Each key by SIP INFO, in order: the next once the previous one's 200 came."""
    for key in keys:
        if key not in "0123456789*#ABCD":
            raise ValueError(f"not a DTMF key: {key!r}")
        wanted = _pressed(len(sipp.state.pressed) + 1)
        sipp.signal(call_id, PRESS, body=key)
        await sipp.wait(wanted, f"INFO {key}'s 200", timeout=timeout)


def _pressed(count: int) -> Callable[[SippState], bool]:
    return lambda state: len(state.pressed) >= count


class Carrier(SippDriven):
    """The outside world for outbound calls: answers the call Asterisk sends to its address
    (the sandbox's `carrier` endpoint) and stays until the far end hangs up, the test hangs
    up (`hang_up`) or it is closed; with `handling` the number is busy (`BUSY`) or never
    answers (`NO_ANSWER`) instead::

        async with Carrier(local_port=stack.inst.ports.carrier, ...) as carrier:
            ...  # a caller is transferred to an allowed outside number
            (call_id,) = await carrier.answered()
    """

    def __init__(
        self,
        *,
        asterisk: str,
        local_port: int,
        media_port: int,
        workdir: Path,
        handling: CallHandling = ANSWER,
    ) -> None:
        self.asterisk = asterisk
        self.media_port = media_port
        self.handling = handling
        self._sipp = SippProcess(
            "carrier", files=workdir / f"carrier-{local_port}", local_port=local_port
        )

    async def start(self) -> None:
        await self._sipp.start(
            answering_scenario(Identity(user="carrier"), self.handling),  # as SIPp's UAS
            target=self.asterisk,
            media_port=self.media_port,
            timeout_s=300,
        )

    async def ready(self) -> None:
        """Listening from the start: nothing to wait for."""

    async def close(self) -> None:
        for call_id in self.state.talking:
            self._sipp.signal(call_id, GO_ON)
        await self._sipp.finish()

    async def answered(self, count: int = 1, timeout: float = 20) -> tuple[str, ...]:
        state = await self._sipp.wait(lambda s: len(s.answered) >= count, "answer", timeout=timeout)
        return state.answered

    async def offered(self, count: int = 1, timeout: float = 20) -> tuple[str, ...]:
        state = await self._sipp.wait(lambda s: len(s.offered) >= count, "INVITE", timeout=timeout)
        return state.offered

    async def rejected(self, count: int = 1, timeout: float = 20) -> tuple[str, ...]:
        state = await self._sipp.wait(
            lambda s: len(s.rejected) >= count, "rejection", timeout=timeout
        )
        return state.rejected

    async def cancelled(self, count: int = 1, timeout: float = 20) -> tuple[str, ...]:
        """Call-IDs of the calls given up while ringing (Asterisk's CANCEL)."""
        state = await self._sipp.wait(
            lambda s: len(s.cancelled) >= count, "CANCEL", timeout=timeout
        )
        return state.cancelled

    async def hang_up(self, call_id: str | None = None, *, timeout: float = 10) -> None:
        """The outside party hangs up a call it answered: its BYE, and the 200 to it."""
        await _hang_up(self._sipp, "carrier", call_id, timeout=timeout)

    async def ended(self, count: int = 1, timeout: float = 15) -> tuple[tuple[str, str], ...]:
        state = await self._sipp.wait(
            lambda s: len(s.ended) >= count, "end of call", timeout=timeout
        )
        return state.ended

    async def trace(self) -> str:
        """Every SIP message it sent and received so far (SIPp's message trace)."""
        text = await asyncio.to_thread((self.files / "msg.log").read_text, errors="replace")
        return text

    async def invite(self) -> str:
        """The first INVITE it received, the request alone (its request line and headers):
        what the trace says around it (timestamps, sizes) holds any digits at all."""
        trace = await self.trace()
        start = trace.find("INVITE sip:")
        if start < 0:
            raise AssertionError("the carrier received no INVITE")
        return trace[start:].split("\n\n", 1)[0]
