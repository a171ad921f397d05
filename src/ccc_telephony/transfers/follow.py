"""How an escalation's consultation ends: a lead answers it (their queue's `agent_answered` on
the consultation channel), the agent completes the attended transfer (AMI AttendedTransfer:
the caller is now with the lead), or the consultation ends without it (no lead answered, or
the agent hung up on it) and the caller is back with the agent.

AMI and ARI report the same moment on two links: an AttendedTransfer can arrive after the
consultation channel's end. A consultation that ended is therefore judged `RETURN_GRACE`
seconds later, when a completed transfer has had time to say so.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import structlog

from ccc_telephony.store.events import CallEvent
from ccc_telephony.transfers.consult import Consultation, Consultations

log = structlog.get_logger(__name__)

RETURN_GRACE = 2.0
Watch = Callable[[str, Callable[[dict[str, Any]], None]], Awaitable[None]]


class ConsultationFollower:
    def __init__(
        self,
        consultations: Consultations,
        *,
        emit: Callable[[str, str, Mapping[str, Any]], None],
        watch: Watch,
    ) -> None:
        self._consultations = consultations
        self._emit = emit
        self._watch = watch
        self._answered_by: dict[str, str] = {}  # consultation channel -> lead
        self._tasks: set[asyncio.Task[None]] = set()

    async def follow(self, consultation: Consultation) -> None:
        """From the moment the consultation leaves for the Help queue."""
        await self._watch(consultation.consult_id, self._ended)

    # --- what happens to it ---------------------------------------------------------------------
    def on_call_event(self, event: CallEvent) -> None:
        """A lead answered the consultation (the Help queue's call is the consultation)."""
        consultation = self._consultations.get(event.call_id)
        if consultation is None or event.name != "agent_answered":
            return
        lead = str(event.details.get("agent") or "")
        self._answered_by[consultation.consult_id] = lead
        self._emit(
            consultation.call_id,
            "escalation_answered",
            {"escalation_id": consultation.escalation_id, "lead": lead},
        )

    def on_attended_transfer(self, _manager: Any, message: Any) -> None:
        """The agent joined the caller and the lead (REFER with Replaces, or a phone's
        attended transfer key)."""
        fields = dict(message.items())
        if fields.get("Result") != "Success":
            return
        ended = self._end(str(fields.get("SecondTransfererUniqueid", "")))
        if ended is not None:
            consultation, lead = ended
            self._emit(
                consultation.call_id,
                "transfer_completed",
                {
                    "from_agent": consultation.agent,
                    "kind": "attended",
                    "target": lead or "help",
                    "escalation_id": consultation.escalation_id,
                },
            )

    def _ended(self, _event: dict[str, Any]) -> None:
        task = asyncio.get_running_loop().create_task(self._judge(_event["channel"]["id"]))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _judge(self, consult_id: str) -> None:
        await asyncio.sleep(RETURN_GRACE)  # let a completed transfer's AMI event arrive first
        ended = self._end(consult_id)
        if ended is not None:
            consultation, lead = ended
            why = "not_transferred" if lead else "no_lead_answered"
            self._emit(
                consultation.call_id,
                "escalation_returned",
                {"escalation_id": consultation.escalation_id, "why": why},
            )

    def _end(self, consult_id: str) -> tuple[Consultation, str | None] | None:
        """The consultation's end, once: the escalation and the lead who answered it."""
        consultation = self._consultations.pop(consult_id)
        if consultation is None:
            return None
        return consultation, self._answered_by.pop(consult_id, None)
