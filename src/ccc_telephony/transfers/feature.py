"""The transfers feature put together: the blind-transfer desk, what agents dial (the
consultations of attended transfers), the feature codes, and how escalations end. The
composition root creates one with what it needs from the agents feature (`Staff`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from aiohttp import web

from ccc_telephony.agents.calls import AgentCalls
from ccc_telephony.asterisk.ami import Ami
from ccc_telephony.asterisk.ari import AriClient
from ccc_telephony.asterisk.ari.dispatcher import CallHandler
from ccc_telephony.asterisk.in_call_codes import InCallCodes
from ccc_telephony.config.agents import RosterAgent
from ccc_telephony.store.events import CallEvent
from ccc_telephony.transfers import http
from ccc_telephony.transfers.codes import FeatureCodes
from ccc_telephony.transfers.consult import AgentDialling, Consultations
from ccc_telephony.transfers.context import TransferContext
from ccc_telephony.transfers.desk import TransferDesk
from ccc_telephony.transfers.follow import ConsultationFollower, Watch
from ccc_telephony.transfers.notice import ConsortiumNotice

Roster = Callable[[], Mapping[str, RosterAgent]]


class TransfersFeature:
    def __init__(
        self,
        ctx: TransferContext,
        *,
        ami: Ami,
        ari: AriClient,
        watch: Watch,
        roster: Roster,
        calls: AgentCalls,
        codes: InCallCodes,
    ) -> None:
        self.ctx = ctx
        self.consultations = Consultations()
        self.follower = ConsultationFollower(self.consultations, emit=ctx.emit, watch=watch)
        self.desk = TransferDesk(ctx)
        self.notice = ConsortiumNotice(
            ctx, lambda channel, args: ari.whisper(channel, app_args=args)
        )
        self.dialling = AgentDialling(
            ctx, self.consultations, follow=self.follower.follow, tell_caller=self._tell_caller
        )
        self._roster = roster
        self._calls = calls
        self._in_call_codes = codes
        self.codes = FeatureCodes(
            ctx.policy,
            ami,
            agent_at=ctx.staff.agent_at,
            supervisor_extension=self._supervisor_for,
        )
        self._ami = ami
        # Who escalated each call, and the call each lead took from the Help line: whom a
        # lead's "the worker's supervisor" code reaches.
        self._escalated_by: dict[str, str] = {}
        self._lead_on: dict[str, str] = {}
        self._language: dict[str, str] = {}  # call -> the language its caller chose

    def register(self) -> None:
        self.codes.register(self._in_call_codes)
        self._ami.on_event("AttendedTransfer", self.follower.on_attended_transfer)

    def stasis_handlers(self) -> dict[str, CallHandler]:
        """The transfer desk's: callers."""
        return self.desk.handlers()

    def staff_handlers(self) -> dict[str, CallHandler]:
        """The agents' own calls (consultations) and the snoops that tell a held caller a
        number: not callers."""
        return {**self.dialling.handlers(), **self.notice.handlers()}

    def on_call_event(self, event: CallEvent) -> None:
        """Call events of every feature, as they are published (the bus)."""
        self.follower.on_call_event(event)
        details = event.details
        if event.name == "language_selected":
            self._language[event.call_id] = str(details.get("language") or "")
        elif event.name == "escalated":
            self._escalated_by[event.call_id] = str(details.get("agent") or "")
        elif event.name == "agent_answered" and details.get("queue") == self._help_queue:
            self._lead_on[str(details.get("agent") or "")] = event.call_id
        elif event.name == "transfer_completed" and details.get("kind") == "attended":
            self._lead_on[str(details.get("target") or "")] = event.call_id
        elif event.name == "call_ended":
            self._escalated_by.pop(event.call_id, None)
            self._language.pop(event.call_id, None)

    async def _tell_caller(self, call_id: str, consortium_id: str) -> None:
        first = self.ctx.policy.languages[0].code
        language = self._language.get(call_id) or first
        await self.notice.tell(call_id, language, consortium_id)

    # --- acting on an agent's call from the API ---------------------------------------------
    def routes(self) -> web.RouteTableDef:
        return http.routes(
            roster=self._roster,
            move_call=self.move_call,
            resolve=self.codes.extension_for,
            supervisor_of=self._supervisor_of,
        )

    async def move_call(self, agent_id: str, exten: str) -> bool:
        """Blind-transfer the caller the agent is talking to (as their phone would)."""
        call = await self._calls.current(agent_id)
        return call is not None and await self.codes.move(
            call.agent_leg, exten, context=http.API_CONTEXT
        )

    def _supervisor_of(self, agent_id: str) -> str | None:
        """The extension of the agent's supervisor in the roster."""
        roster = self._roster()
        agent = roster.get(agent_id)
        boss = roster.get(agent.supervisor) if agent and agent.supervisor else None
        return boss.extension if boss else None

    @property
    def _help_queue(self) -> str:
        return self.ctx.policy.agents.help_queue

    def _supervisor_for(self, rule: str, agent: str) -> str | None:
        if rule == "leads_supervisor":
            return self._supervisor_of(agent)
        call = self._lead_on.get(agent)
        worker = self._escalated_by.get(call) if call else None
        return self._supervisor_of(worker) if worker else None
