"""The interpreters feature put together: the desk, its two Stasis handlers, and what other
features' call events tell it (the agent's part of the call ended, the call ended)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from ccc_telephony.asterisk.ami import Ami
from ccc_telephony.asterisk.ari import AriClient
from ccc_telephony.asterisk.ari.dispatcher import CallHandler
from ccc_telephony.config.policy import Policy
from ccc_telephony.interpreters.outside import QueueCallChannels
from ccc_telephony.interpreters.service import Emit, InterpreterDesk, Watch
from ccc_telephony.interpreters.stasis import InterpreterChannels
from ccc_telephony.store.events import CallEvent

# app_queue's AgentComplete Reason (agent_call_completed's `ended_by`) -> why the interpreter
# left: an agent's call that ended without the caller's leaving takes the interpreter along.
_ENDED_BY = {"agent": "agent_hung_up", "caller": "caller_left", "transfer": "transferred"}


class InterpretersFeature:
    def __init__(
        self,
        *,
        policy: Policy,
        ari: AriClient,
        ami: Ami,
        watch: Watch,
        emit: Emit,
        clock: Callable[[], datetime],
    ) -> None:
        queue_call = QueueCallChannels(ami)
        self.desk = InterpreterDesk(
            policy=policy.interpreters,
            main_number=policy.main_number,
            ari=ari,
            queue_call=queue_call,
            watch=watch,
            emit=emit,
            clock=clock,
        )
        self.channels = InterpreterChannels(self.desk, ari=ari, queue_call=queue_call, emit=emit)

    def stasis_handlers(self) -> dict[str, CallHandler]:
        return self.channels.handlers()

    def on_call_event(self, event: CallEvent) -> None:
        if event.name == "agent_call_completed":
            ended_by = str(event.details.get("ended_by") or "")
            self.desk.call_over(event.call_id, _ENDED_BY.get(ended_by, "agent_call_ended"))
        elif event.name == "call_ended":
            self.desk.call_over(event.call_id, "call_ended")
