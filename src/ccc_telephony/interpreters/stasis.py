"""The two channels of an interpretation in our app: the snoop on the caller and the
interpreter's line. Each handler puts its channel into the interpretation's mixing bridge and
returns: the conference lives in Asterisk, not in a task of ours, so a service stop never
sends these channels to the callers' fallback, and the conference goes on meanwhile.

After a restart the dispatcher finds both channels in our app and calls the handlers again; an
interpretation this process does not hold is ended cleanly (no orphans): both channels hung
up, the bridge destroyed, the agent's audio as it was, and
`interpreter_left` with reason `service_restarted`.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Awaitable, Callable
from uuid import UUID

from ccc_telephony.asterisk.ari import AriError
from ccc_telephony.asterisk.ari.channel import StasisChannel
from ccc_telephony.asterisk.ari.dispatcher import CallHandler
from ccc_telephony.interpreters.conference import (
    LINE_HANDLER,
    SNOOP_HANDLER,
    bridge_of,
    line_of,
    snoop_of,
)
from ccc_telephony.interpreters.service import (
    Ari,
    Emit,
    InterpreterDesk,
    InterpreterError,
    QueueCall,
)

_SESSION = re.compile(r"[0-9a-f]{32}")  # Interpretation.tag


class InterpreterChannels:
    def __init__(
        self, desk: InterpreterDesk, *, ari: Ari, queue_call: QueueCall, emit: Emit
    ) -> None:
        self._desk = desk
        self._ari = ari
        self._queue_call = queue_call
        self._emit = emit
        self._closed: set[str] = set()  # orphaned sessions already ended

    def handlers(self) -> dict[str, CallHandler]:
        return {
            LINE_HANDLER: self._handler(self._desk.line_answered),
            SNOOP_HANDLER: self._handler(self._desk.snoop_started),
        }

    def _handler(self, started: Callable[[str], Awaitable[None]]) -> CallHandler:
        async def handle(channel: StasisChannel) -> None:
            # Never the dispatcher's fallback (the operator queue) for these channels: they
            # are handed off (a stop leaves them where they are), and the desk hangs them up.
            channel.handed_off = True
            call_id, tag, agent_leg, *_ = [*channel.args[1:], "", "", ""]
            if self._desk.holds(tag):
                await started(tag)
            else:
                await self._orphan(channel, call_id, tag, agent_leg)

        return handle

    async def _orphan(self, channel: StasisChannel, call_id: str, tag: str, agent_leg: str) -> None:
        """A channel of an interpretation we do not hold: end it and put the call back."""
        await channel.hangup()
        if tag in self._closed or not call_id or not _SESSION.fullmatch(tag):
            return  # ended already, or not arguments we gave (they name Asterisk's objects)
        self._closed.add(tag)
        with contextlib.suppress(AriError):
            await self._ari.destroy_bridge(bridge_of(tag))
        for other in (line_of(tag), snoop_of(tag)):
            with contextlib.suppress(AriError):
                await self._ari.hangup(other)
        if agent_leg:
            with contextlib.suppress(InterpreterError):
                await self._queue_call.mute(agent_leg, False)
        session = str(UUID(hex=tag))
        self._emit(call_id, "interpreter_left", {"session": session, "reason": "service_restarted"})
