"""An agent's current call, as the mid-call tools and the screen's transfer buttons need it:
the caller (their channel id, which is also the call's id in call events) and the agent's own
phone channel bridged with them. Both are app_queue's, outside the service's Stasis app, so
they are found in Asterisk's channel list, not in the dispatcher."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import structlog

from ccc_telephony.asterisk.ami import Ami
from ccc_telephony.asterisk.ari import AriClient
from ccc_telephony.asterisk.ari.channel import phone_extension
from ccc_telephony.asterisk.in_call_codes import KeyedCode
from ccc_telephony.config.agents import RosterAgent

log = structlog.get_logger(__name__)

# What the IVR leaves on the caller's channel before the queue (ivr/flow.py), re-checked here:
# a channel variable is only as trustworthy as whatever last set it.
_FACTS = {
    "CCC_LANGUAGE": re.compile(r"[a-z]{2,3}"),
    "CCC_CASE": re.compile(r"[0-9]{1,8}|[0-9]{10,20}"),  # never nine digits: an SSN
    "CCC_SSN_LAST4": re.compile(r"[0-9]{4}"),
}


@dataclass(frozen=True, slots=True)
class CallerFacts:
    """What the IVR learnt of a caller: their language, case number or SSN last four. Read
    from the caller's channel, so it holds across a service restart and a database outage."""

    language: str | None = None
    case_number: str | None = None
    ssn_last4: str | None = None


@dataclass(frozen=True, slots=True)
class AgentCall:
    agent: RosterAgent
    caller: str  # the caller's channel id: the call's id
    agent_leg: str  # the agent's phone channel (name) bridged with the caller


class AgentCalls:
    def __init__(
        self,
        *,
        ari: AriClient,
        ami: Ami,
        roster: Callable[[], Mapping[str, RosterAgent]],
        agent_at: Callable[[str], str | None],
        caller_of: Callable[[str], str | None],
    ) -> None:
        """`agent_at(extension)`: whose phone it is; `caller_of(agent)`: the caller our record
        has the agent talking to now."""
        self._ari = ari
        self._ami = ami
        self._roster = roster
        self._agent_at = agent_at
        self._caller_of = caller_of

    async def current(self, agent_id: str) -> AgentCall | None:
        """The agent's call now; None when they have no caller (or their phone has no leg
        bridged with the caller: the call has just ended)."""
        agent = self._roster().get(agent_id)
        caller = self._caller_of(agent_id)
        if agent is None or caller is None:
            return None
        leg = await self._leg_with(agent.extension, caller)
        return None if leg is None else AgentCall(agent, caller, leg)

    def keyed(self, code: KeyedCode) -> AgentCall | None:
        """The call a code was keyed on: Asterisk names the agent's leg that keyed it."""
        extension = phone_extension(code.channel)
        agent_id = self._agent_at(extension) if extension else None
        agent = self._roster().get(agent_id) if agent_id else None
        caller = self._caller_of(agent.id) if agent else None
        return None if agent is None or caller is None else AgentCall(agent, caller, code.channel)

    async def caller_facts(self, caller: str) -> CallerFacts:
        """The caller's language and case as the IVR left them on their channel (AMI: the
        channel is app_queue's, outside Stasis); whatever AMI cannot say is None."""
        found: dict[str, str | None] = dict.fromkeys(_FACTS)
        for name, shape in _FACTS.items():
            try:
                reply = await self._ami.action(
                    {"Action": "Getvar", "Channel": caller, "Variable": name}
                )
            except (ConnectionError, TimeoutError) as exc:
                log.warning("cannot read the caller's channel", error=type(exc).__name__)
                break
            value = reply.get("Value") if hasattr(reply, "get") else None
            if isinstance(value, str) and shape.fullmatch(value):
                found[name] = value
        return CallerFacts(found["CCC_LANGUAGE"], found["CCC_CASE"], found["CCC_SSN_LAST4"])

    async def _leg_with(self, extension: str, caller: str) -> str | None:
        """The agent's phone channel bridged with `caller` (one, unless they are consulting)."""
        channels = await self._ari.channels()
        legs = [
            str(c["name"])
            for c in channels
            if str(c.get("name", "")).startswith(f"PJSIP/{extension}-") and c.get("state") == "Up"
        ]
        if len(legs) <= 1:
            return legs[0] if legs else None
        peer = next((str(c.get("name")) for c in channels if c.get("id") == caller), None)
        for leg in legs:
            reply = await self._ami.action(
                {"Action": "Getvar", "Channel": leg, "Variable": "BRIDGEPEER"}
            )
            if peer is not None and reply.get("Value") == peer:
                return leg
        return None
