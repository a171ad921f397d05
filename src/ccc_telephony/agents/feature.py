"""The agents feature put together: roster and states, queue membership, queue events, the
schedule, and its HTTP routes. The composition root creates one and starts it; its background
jobs run under the service's supervisor, which stops them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import datetime, time
from typing import Any

import structlog
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.agents import http
from ccc_telephony.agents.access import StaffTokens
from ccc_telephony.agents.membership import Membership
from ccc_telephony.agents.phone_codes import Media, PhoneCodes
from ccc_telephony.agents.phones import AgentPhones
from ccc_telephony.agents.queue_events import QueueEvents
from ccc_telephony.agents.scheduler import Scheduler
from ccc_telephony.agents.service import AgentService
from ccc_telephony.agents.states import State
from ccc_telephony.asterisk.ami import Ami
from ccc_telephony.asterisk.ari.dispatcher import CallHandler
from ccc_telephony.asterisk.queues import Caller, QueueMembers
from ccc_telephony.config.policy import Policy
from ccc_telephony.jobs import BackgroundJobs

log = structlog.get_logger(__name__)

EmitCall = Callable[[str, str, Mapping[str, Any]], None]
AgentListener = Callable[[str, Mapping[str, Any]], None]
SCHEDULE_SECONDS = 5.0


class AgentsFeature:
    def __init__(
        self,
        *,
        policy: Policy,
        engine: AsyncEngine,
        ami: Ami,
        clock: Callable[[], datetime],
        is_open: Callable[[], bool],
        emit_call: EmitCall,
        phones: AgentPhones,
        media: Media,
        jobs: BackgroundJobs,
    ) -> None:
        """`media(prompt)` finds a staff prompt's sound (first language) for the phone codes."""
        self._policy = policy
        self._ami = ami
        self._jobs = jobs
        self._engine = engine
        self._clock = clock
        self._is_open = is_open
        self.queues = QueueMembers(ami)
        self.phones = phones
        self.agents = AgentService(
            policy=policy,
            engine=engine,
            clock=clock,
            staffed_queues=self.staffed_queues,
            emit=self._agent_event,
        )
        self.tokens = StaffTokens(
            engine, roster=lambda: self.agents.roster if self.loaded.is_set() else None
        )
        self.membership = Membership(self.agents, self.queues, local_time=self.local_time)
        self.agents.on_change(self.membership.apply)
        self.queue_events = QueueEvents(self.agents, emit_call)
        self.queue_events.register(ami)
        ami.on_event("FullyBooted", self._on_ami_login)
        self.phone_codes = PhoneCodes(self.agents, media)
        self.scheduler = Scheduler(self.agents, self.membership, local_time=self.local_time)
        self.loaded = asyncio.Event()  # roster and states read from the database
        self.reconciled = asyncio.Event()  # and applied to Asterisk once since start
        # Asks the queue-settling job to run; before start() there is no job (the load asks).
        self._settle_queues: Callable[[], None] = lambda: None
        self._listeners: list[AgentListener] = []

    def local_time(self) -> time:
        return self._clock().astimezone(self._policy.zone).time()

    # --- what other features may ask (through the composition root) ---------------------------
    def agent_at(self, extension: str) -> str | None:
        """The active agent whose phone this extension is."""
        agent = self.agents.by_extension(extension)
        return agent.id if agent else None

    def logged_in(self, agent_id: str) -> bool:
        status = self.agents.status.get(agent_id)
        return status is not None and status.state is not State.LOGGED_OUT

    def staffed_queues(self) -> set[str]:
        """Queues whose coverage rules apply now: Help during its shifts, the others while
        the call center is open."""
        now = self.local_time()
        staffed = {q for q in self._policy.queues if q != self._policy.agents.help_queue}
        staffed = staffed if self._is_open() else set()
        if any(w.contains(now) for w in self._policy.agents.hq_shifts.values()):
            staffed.add(self._policy.agents.help_queue)
        return staffed

    # --- start ----------------------------------------------------------------------------
    async def start(self) -> None:
        self._settle_queues = self._jobs.on_request("agents-queues", self._settle_with_asterisk)
        self._jobs.run("agents-start", self._load)

    async def _load(self) -> None:
        """Roster and states from the database, the phones' endpoints, then the queues and the
        schedule. Retried until it succeeds (the database may be down at start); until then
        agents stay as Asterisk has them."""
        if not self.loaded.is_set():
            await self.agents.load()
            self.loaded.set()
        await self.phones.install(self.agents.roster.values())
        self._settle_queues()
        self._jobs.every("agents-schedule", SCHEDULE_SECONDS, self.scheduler.tick)

    def _on_ami_login(self, _manager: Any, _message: Any) -> None:
        """Asterisk (re)started or the AMI link came back: settle the queues again."""
        self._settle_queues()

    async def _settle_with_asterisk(self) -> None:
        """app_queue brought in line with our agents. Until they are loaded and AMI is logged
        in there is nothing to compare: the load and the login each ask again. A failure with
        AMI up (a timeout, a refused action) fails the job, which tries again."""
        if not (self.loaded.is_set() and self._ami.authenticated):
            return
        await self.phones.reload_if_pending()
        await self.membership.reconcile()
        self.reconciled.set()

    def on_agent_event(self, listener: AgentListener) -> Callable[[], None]:
        """`listener(name, details)` is told every agent event (a state change, a coverage
        refusal) as it happens: the live feed and the wallboard follow agents with it. Returns
        the way to stop listening."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _agent_event(self, name: str, details: Mapping[str, Any]) -> None:
        log.info(name, **details)
        for listener in list(self._listeners):
            try:
                listener(name, details)
            except Exception:
                log.exception("agent event listener failed", event_name=name)

    def stasis_handlers(self) -> dict[str, CallHandler]:
        return self.phone_codes.handlers()

    # --- HTTP ---------------------------------------------------------------------------------
    def routes(self) -> web.RouteTableDef:
        return http.routes(
            self.agents,
            self._engine,
            tokens=self.tokens,
            queue_snapshot=self.queue_snapshot,
            roster_changed=self.roster_changed,
        )

    async def roster_changed(self) -> None:
        """An agent was added, changed or removed: their tokens and their phone's endpoint
        follow at once."""
        self.tokens.follow(self.agents.roster)
        await self.phones.install(self.agents.roster.values())

    async def queue_snapshot(self, callers: list[Caller] | None = None) -> list[dict[str, Any]]:
        """Per queue: callers waiting, the longest wait, and agents by state. The callers are
        app_queue's (a QueueStatus) unless the caller of this says who waits."""
        if callers is None:
            try:
                _, callers = await self.queues.status()
            except (ConnectionError, TimeoutError):
                callers = []
        result = []
        for queue in self._all_queues():
            waiting = [c for c in callers if c.queue == queue]
            by_state: dict[str, list[str]] = {
                s.value: [] for s in State if s is not State.LOGGED_OUT
            }
            for agent_id, queues in self.agents.members.items():
                status = self.agents.status.get(agent_id)
                if queue in queues and status is not None and status.state in by_state:
                    by_state[status.state.value].append(agent_id)
            result.append(
                {
                    "queue": queue,
                    "callers_waiting": len(waiting),
                    "longest_wait_seconds": max((c.wait_seconds for c in waiting), default=0),
                    "agents": by_state,
                }
            )
        return result

    def _all_queues(self) -> list[str]:
        extra = [q for qs in self._policy.language_queues().values() for q in qs]
        return [*self._policy.queues, *extra]
