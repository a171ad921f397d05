"""The return-call dialer: an agent calls a caller back through the carrier.

Two layers. `connect` takes an agent whose channel is already in our app (their phone rung by
`call_back`, or a queue callback's reserved agent) and dials the caller: a Local channel into
the outbound route (`Local/<ten digits>@ccc-outbound`, the carrier trunk) that enters our app
only once the caller answers; the two are then bridged. Caller ID is always the policy's main
number, never the agent's extension: a caller sees the call center they called, and calls it
back on a number that reaches a person. `call_back` rings the agent's own phone first (its
display shows whom they are about to call back), then connects.

An attempt's outcome comes from Asterisk's hang-up cause of the caller's channel (Q.850): busy,
no answer (ringing until the timeout, or the carrier's own no-answer), else failed. A return
call is two people: when one hangs up, the other is hung up and the bridge goes. The caller's
language is set on their channel as the IVR sets it (CCC_LANGUAGE), for the mid-call tools.

The handler that holds the agent's channel keeps it in our app (awaits the Outcome's `ended`)
while the call lasts: the dialer learns that the agent left from that channel's events.

After a restart of the service a return call in progress is found in our app again: it is left
up (the two are talking) and ended whole once either hangs up.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol
from uuid import uuid4

import structlog

from ccc_telephony.asterisk.ari import AriError
from ccc_telephony.asterisk.ari.channel import StasisChannel
from ccc_telephony.asterisk.ari.dispatcher import CallHandler
from ccc_telephony.config.agents import RosterAgent
from ccc_telephony.config.interpreters import OUTBOUND_CONTEXT
from ccc_telephony.config.returns import DialBack, Returns
from ccc_telephony.directory.numbers import written
from ccc_telephony.jobs import Later

log = structlog.get_logger(__name__)

Result = Literal["answered", "no_answer", "busy", "failed"]
Watch = Callable[[str, Callable[[dict[str, Any]], None]], Awaitable[None]]
ChannelOf = Callable[[str], StasisChannel | None]
Roster = Callable[[], Mapping[str, RosterAgent]]

# Stasis arguments: <handler>. The channel ids carry the attempt's tag (see `_Tag`).
CALLER_HANDLER = "return-caller"
AGENT_HANDLER = "return-agent"
_OURS = re.compile(r"^return-([0-9a-f]{32})-(caller|agent)$")
_TAG = re.compile(r"[0-9a-f]{32}")

# Q.850 hang-up causes of the caller's channel before it answered.
_BUSY = frozenset({17})  # user busy
# No user responding, no answer, and the originate's own time-out (no cause: 0).
_NO_ANSWER = frozenset({0, 18, 19})
# How much longer than its ring time an attempt may take before it is given up.
_GRACE_SECONDS = 15


class DialerError(Exception):
    """Why a return call cannot be placed; `status` is the HTTP answer."""

    status = 409


class NotDialable(DialerError):
    """Not a number the center dials back (a geographic US number, `DialBack`): no call is
    placed."""

    status = 422


class AgentNotHere(DialerError):
    """The agent's channel is not in our app, or the agent is not in the roster."""


class CallUnderWay(DialerError):
    """A call back for the same reference (a message, a task) is under way already."""


class DialFailed(DialerError):
    """Asterisk refused to place the call (the agent's phone)."""

    status = 502


def dialable(number: str | None, rules: DialBack) -> str:
    """The ten digits the outbound route dials for `number` (as a caller's number was
    received, or as a caller or an agent keyed it); NotDialable for anything else (anonymous,
    an extension, N11, premium, another country: `DialBack`)."""
    dialled = rules.number(number)
    if dialled is None:
        raise NotDialable("not a US number the center calls back: no call is placed")
    return dialled


@dataclass(frozen=True, slots=True, eq=False)
class Outcome:
    """One attempt to reach the caller. `channel_id` names it (the caller's channel: a
    contact's call id). `ended`, for an answered attempt, resolves once the call is over
    with who hung up first: "agent" or "caller" ("stopped": the service stopped meanwhile,
    the call went on)."""

    result: Result
    channel_id: str
    number: str
    reference: str
    cause: int | None = None
    reason: str = ""
    ended: asyncio.Future[str] | None = field(default=None, repr=False)
    # The agent hung up while the caller's phone rang: no attempt on the caller (the call
    # was given up from our side), so not a failed contact and no count toward unreachable.
    agent_left: bool = False

    @property
    def answered(self) -> bool:
        return self.result == "answered"


@dataclass(frozen=True, slots=True)
class Attempt:
    """A return call asked for by `call_back`: the agent's phone rings first."""

    tag: str
    agent_id: str
    number: str
    reference: str
    language: str

    @property
    def agent_channel(self) -> str:
        return _channel(self.tag, "agent")


OnOutcome = Callable[[Attempt, Outcome | None], Awaitable[None]]


class Ari(Protocol):
    app: str

    async def originate(
        self, params: Mapping[str, str | int], *, variables: Mapping[str, str] | None = ...
    ) -> Any: ...
    async def hangup(self, channel_id: str, reason: str = ...) -> None: ...
    async def ring(self, channel_id: str) -> None: ...
    async def ring_stop(self, channel_id: str) -> None: ...
    async def create_bridge(self, bridge_id: str, *, kind: str = ...) -> None: ...
    async def add_to_bridge(self, bridge_id: str, channel_id: str) -> None: ...
    async def bridge(self, bridge_id: str) -> Any: ...
    async def destroy_bridge(self, bridge_id: str) -> None: ...


def new_tag() -> str:
    """A new attempt's tag: it names the attempt's channels and bridge."""
    return uuid4().hex


def caller_channel(tag: str) -> str:
    """The caller's channel of the attempt `tag` (its Outcome's channel_id)."""
    return _channel(tag, "caller")


def _channel(tag: str, who: str) -> str:
    return f"return-{tag}-{who}"


def _bridge(tag: str) -> str:
    return f"return-{tag}"


def outcome_of(cause: int) -> Result:
    """What an unanswered attempt's hang-up cause says happened."""
    if cause in _BUSY:
        return "busy"
    if cause in _NO_ANSWER:
        return "no_answer"
    return "failed"


class ReturnDialer:
    def __init__(
        self,
        *,
        ari: Ari,
        watch: Watch,
        channel_of: ChannelOf,
        roster: Roster,
        main_number: str,
        policy: Returns,
        caller_id_name: str = "Call Center",
    ) -> None:
        self._ari = ari
        self._watch = watch
        self._channel_of = channel_of
        self._roster = roster
        self._main_number = main_number
        self._policy = policy
        self._caller_id_name = caller_id_name
        # Channels we originated, until they enter our app (answered) or are given up.
        self._expected: dict[str, asyncio.Future[StasisChannel]] = {}
        # The references of the call backs under way, until their outcome is handled.
        self._calling: set[str] = set()
        self._later = Later("return call")

    def stasis_handlers(self) -> dict[str, CallHandler]:
        return {CALLER_HANDLER: self._arrived, AGENT_HANDLER: self._arrived}

    # --- connect: the agent is in our app, the caller is dialled ----------------------------
    async def connect(
        self,
        agent_channel_id: str,
        number: str,
        *,
        language: str,
        reference: str,
        tag: str | None = None,
    ) -> Outcome:
        """Dial the caller for the agent whose channel (in our app) is `agent_channel_id`,
        bridge them on answer. NotDialable (no call placed) for a number that is not ten
        digits, AgentNotHere if the agent's channel is not in our app. `tag` (`new_tag()`)
        when the caller's channel id must be known before it is dialled
        (`caller_channel(tag)`: a queue callback records it first, to tell after a restart
        whether the caller answered)."""
        dialled = dialable(number, self._policy.dial_back)
        if tag is not None and _TAG.fullmatch(tag) is None:
            raise ValueError("a tag is 32 hex digits (new_tag())")
        agent = self._channel_of(agent_channel_id)
        if agent is None or agent.gone:
            raise AgentNotHere("the agent's channel is not in the service's app")
        return await self._connect(agent, dialled, tag or new_tag(), language, reference)

    async def _connect(
        self, agent: StasisChannel, dialled: str, tag: str, language: str, reference: str
    ) -> Outcome:
        caller = _channel(tag, "caller")
        arrived = self._expect(caller)
        hung_up: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        log.info("return call dialling", reference=reference, attempt=caller)
        try:
            await self._ari.originate(
                {
                    "endpoint": f"Local/{dialled}@{OUTBOUND_CONTEXT}",
                    "app": self._ari.app,
                    "appArgs": CALLER_HANDLER,
                    "channelId": caller,
                    "callerId": f'"{self._caller_id_name}" <{self._main_number}>',
                    "timeout": self._policy.ring_seconds,
                    "formats": "ulaw",
                },
                # CCC_CONSULT: the route hangs up an unanswered call (nobody to hand back to).
                variables={"CCC_CONSULT": "1", "CCC_LANGUAGE": language},
            )
            await self._watch(caller, lambda e: _settle(hung_up, int(e.get("cause") or 0)))
        except AriError as exc:
            self._expected.pop(caller, None)
            log.warning("return call not placed", reference=reference, status=exc.status)
            return Outcome("failed", caller, dialled, reference, reason="not placed")
        with contextlib.suppress(AriError):
            await self._ari.ring(agent.id)  # the agent hears ringing meanwhile
        try:
            first = await _first_of(
                arrived, hung_up, agent.until_gone(), timeout=self._ring_limit()
            )
        finally:
            self._expected.pop(caller, None)
        if first is arrived:
            return await self._bridge(agent, arrived.result(), dialled, tag, reference)
        arrived.cancel()
        if first is hung_up:
            cause = hung_up.result()
            return Outcome(outcome_of(cause), caller, dialled, reference, cause=cause)
        with contextlib.suppress(AriError):
            await self._ari.hangup(caller)
        if agent.gone:
            why = "the agent hung up while the caller's phone rang"
            return Outcome("failed", caller, dialled, reference, reason=why, agent_left=True)
        return Outcome("no_answer", caller, dialled, reference, reason="no answer in time")

    def _ring_limit(self) -> float:
        return float(self._policy.ring_seconds + _GRACE_SECONDS)

    async def _bridge(
        self, agent: StasisChannel, caller: StasisChannel, dialled: str, tag: str, reference: str
    ) -> Outcome:
        bridge = _bridge(tag)
        try:
            await self._ari.ring_stop(agent.id)
            await self._ari.create_bridge(bridge)
            await self._ari.add_to_bridge(bridge, agent.id)
            await self._ari.add_to_bridge(bridge, caller.id)
        except AriError as exc:
            log.warning("return call not bridged", reference=reference, status=exc.status)
            await self._end_bridge(bridge, caller.id)
            return Outcome("failed", caller.id, dialled, reference, reason="not bridged")
        ended: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._later(self._hold_together(bridge, agent, caller, ended))
        log.info("return call answered", reference=reference, attempt=caller.id)
        return Outcome("answered", caller.id, dialled, reference, ended=ended)

    async def _hold_together(
        self, bridge: str, agent: StasisChannel, caller: StasisChannel, ended: asyncio.Future[str]
    ) -> None:
        """Until one hangs up; then the other is hung up and the bridge goes."""
        agent_left = asyncio.ensure_future(agent.until_gone())
        caller_left = asyncio.ensure_future(caller.until_gone())
        try:
            done, _ = await asyncio.wait(
                [agent_left, caller_left], return_when=asyncio.FIRST_COMPLETED
            )
            _settle(ended, "agent" if agent_left in done else "caller")
        finally:
            agent_left.cancel()
            caller_left.cancel()
            _settle(ended, "stopped")  # the service is stopping: the call stays up
        await self._end_bridge(bridge, agent.id, caller.id)

    async def _end_bridge(self, bridge: str, *channels: str) -> None:
        for channel in channels:
            with contextlib.suppress(AriError):
                await self._ari.hangup(channel)
        with contextlib.suppress(AriError):
            await self._ari.destroy_bridge(bridge)

    # --- call_back: the agent's phone first -------------------------------------------------
    async def call_back(
        self,
        agent_id: str,
        number: str,
        *,
        reference: str,
        on_outcome: OnOutcome,
        language: str = "",
    ) -> Attempt:
        """Ring the agent's phone (showing whom they call back); once they answer, dial the
        caller (`connect`). Returns as soon as the agent's phone rings; `on_outcome` is
        awaited once with the attempt's Outcome, or None when the agent did not answer
        their phone (the caller was not dialled). One at a time per `reference`: CallUnderWay
        while one is under way (until its `on_outcome` has returned)."""
        agent = self._roster().get(agent_id)
        if agent is None:
            raise AgentNotHere(f"{agent_id} is not in the roster")
        dialled = dialable(number, self._policy.dial_back)
        if reference in self._calling:
            raise CallUnderWay("a call back for this is under way already")
        self._calling.add(reference)
        try:
            return await self._ring_agent(agent, dialled, reference, language, on_outcome)
        except BaseException:
            self._calling.discard(reference)
            raise

    async def _ring_agent(
        self,
        agent: RosterAgent,
        dialled: str,
        reference: str,
        language: str,
        on_outcome: OnOutcome,
    ) -> Attempt:
        attempt = Attempt(new_tag(), agent.id, dialled, reference, language)
        leg = attempt.agent_channel
        arrived = self._expect(leg)
        hung_up: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        try:
            await self._ari.originate(
                {
                    "endpoint": f"PJSIP/{agent.extension}",
                    "app": self._ari.app,
                    "appArgs": AGENT_HANDLER,
                    "channelId": leg,
                    "callerId": f'"Return {written(dialled)}" <{dialled}>',
                    "timeout": self._policy.agent_ring_seconds,
                },
            )
            await self._watch(leg, lambda e: _settle(hung_up, int(e.get("cause") or 0)))
        except AriError as exc:
            self._expected.pop(leg, None)
            raise DialFailed(f"the agent's phone could not be rung (ARI {exc.status})") from None
        self._later(self._agent_then_caller(attempt, arrived, hung_up, on_outcome))
        return attempt

    async def _agent_then_caller(
        self,
        attempt: Attempt,
        arrived: asyncio.Future[StasisChannel],
        hung_up: asyncio.Future[int],
        on_outcome: OnOutcome,
    ) -> None:
        try:
            await self._agent_first(attempt, arrived, hung_up, on_outcome)
        finally:
            self._calling.discard(attempt.reference)

    async def _agent_first(
        self,
        attempt: Attempt,
        arrived: asyncio.Future[StasisChannel],
        hung_up: asyncio.Future[int],
        on_outcome: OnOutcome,
    ) -> None:
        limit = float(self._policy.agent_ring_seconds + _GRACE_SECONDS)
        try:
            first = await _first_of(arrived, hung_up, timeout=limit)
        finally:
            self._expected.pop(attempt.agent_channel, None)
        if first is not arrived:
            arrived.cancel()
            with contextlib.suppress(AriError):
                await self._ari.hangup(attempt.agent_channel)
            await on_outcome(attempt, None)
            return
        agent = arrived.result()
        outcome = await self._connect(
            agent, attempt.number, attempt.tag, attempt.language, attempt.reference
        )
        if not outcome.answered:
            await agent.hangup()
        await on_outcome(attempt, outcome)

    # --- our channels entering the app ------------------------------------------------------
    def _expect(self, channel_id: str) -> asyncio.Future[StasisChannel]:
        future: asyncio.Future[StasisChannel] = asyncio.get_running_loop().create_future()
        self._expected[channel_id] = future
        return future

    async def _arrived(self, channel: StasisChannel) -> None:
        """An agent's phone or a caller answered: to whoever waits for it. The channel is
        never the callers' fallback (a stop leaves the call up) and stays here, fed with its
        events, until it leaves."""
        channel.handed_off = True
        expected = self._expected.pop(channel.id, None)
        if expected is not None and not expected.done():
            expected.set_result(channel)
            await channel.until_gone()
            return
        if expected is not None:  # given up on as it answered
            await channel.hangup()
            return
        await self._adopted(channel)

    async def _adopted(self, channel: StasisChannel) -> None:
        """Found in our app after a restart: the call goes on; when this side leaves, every
        channel of its bridge is hung up and the bridge goes."""
        ours = _OURS.match(channel.id)
        if ours is None:
            await channel.hangup()
            return
        log.info("return call found after a restart", attempt=channel.id)
        await channel.until_gone()
        bridge = _bridge(ours.group(1))
        try:
            found = await self._ari.bridge(bridge)
        except AriError:
            return
        await self._end_bridge(bridge, *[str(c) for c in found.get("channels", [])])


def _settle(future: asyncio.Future[Any], value: Any) -> None:
    if not future.done():
        future.set_result(value)


async def _first_of(*waits: Awaitable[Any], timeout: float) -> asyncio.Future[Any] | None:
    """The first of `waits` to finish (the others are cancelled unless they are futures the
    caller holds), None after `timeout`."""
    futures = [asyncio.ensure_future(w) for w in waits]
    try:
        done, _ = await asyncio.wait(futures, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for future, wait in zip(futures, waits, strict=True):
            if future is not wait:
                future.cancel()
    if not done:
        return None
    return next(f for f in futures if f in done)
