"""Agent states as the call center runs them: every request (phone, API, schedule, queue event)
goes through here, one agent at a time, is written to the database as an interval, and is then
applied to app_queue (membership and pause) by `Membership`.

Order matters and is deliberate: the database first (it is the record, reasons included), then
Asterisk. If Asterisk cannot be reached the state still stands and reconciliation applies it.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.agents import states
from ccc_telephony.agents.coverage import Shortfall, shortfalls
from ccc_telephony.agents.states import Change, State, StateError, Status
from ccc_telephony.config.agents import RosterAgent
from ccc_telephony.config.policy import Policy, RosterProblem
from ccc_telephony.store import agents as store
from ccc_telephony.store.agents import OpenState, RosterConflict, StateRow

__all__ = ["AgentService", "CoverageRefused", "InvalidAgent", "RosterConflict", "UnknownAgent"]

log = structlog.get_logger(__name__)

Emit = Callable[[str, Mapping[str, Any]], None]
Apply = Callable[[str], Any]


class UnknownAgent(LookupError):
    pass


class InvalidAgent(ValueError):
    """The record names what the policy does not have (a language, a shift, a supervisor)."""

    def __init__(self, problems: list[RosterProblem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


class CoverageRefused(StateError):
    """The coverage guard refused a Not Ready; a supervisor may override it."""

    def __init__(self, found: list[Shortfall]) -> None:
        super().__init__("; ".join(s.message for s in found))
        self.shortfalls = found


@dataclass(frozen=True, slots=True)
class Outcome:
    status: Status
    warnings: list[str]


class AgentService:
    def __init__(
        self,
        *,
        policy: Policy,
        engine: AsyncEngine,
        clock: Callable[[], datetime],
        staffed_queues: Callable[[], set[str]],
        emit: Emit,
    ) -> None:
        """`staffed_queues()` names the queues whose hours are on now (coverage applies only
        then); `emit(name, details)` publishes an agent event for listeners and logs."""
        self.policy = policy
        self._engine = engine
        self._clock = clock
        self._staffed = staffed_queues
        self._emit = emit
        self.roster: dict[str, RosterAgent] = {}
        self.status: dict[str, Status] = {}
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._apply: Apply | None = None
        self.members: dict[str, set[str]] = {}  # agent id -> queues it is in, as we set them
        self.calls: dict[str, str] = {}  # agent id -> the call they are on (the caller's id)

    def now(self) -> datetime:
        return self._clock()

    def on_change(self, apply: Apply) -> None:
        """`apply(agent_id)` brings Asterisk in line after each change (see Membership)."""
        self._apply = apply

    # --- roster -----------------------------------------------------------------------------
    async def load(self) -> None:
        added = await store.seed(self._engine, self.policy.agents.roster)
        if added:
            log.info("roster seeded from the policy", agents=added)
        await self.reload_roster()
        stored = await store.current(self._engine)
        for agent_id in self.roster:
            row = stored.get(agent_id)
            self.status[agent_id] = _status(row) if row else states.NEVER_LOGGED_IN

    async def reload_roster(self) -> None:
        self.roster = {agent.id: agent for agent in await store.active(self._engine)}

    async def add_agent(self, agent: RosterAgent) -> None:
        self._check(agent)
        await store.add(self._engine, agent)
        await self.reload_roster()
        self.status.setdefault(agent.id, states.NEVER_LOGGED_IN)

    async def replace_agent(self, agent: RosterAgent) -> bool:
        """Update the record; a logged-in agent's queues follow at once (team, languages)."""
        if agent.id not in self.roster:
            return False
        self._check(agent)
        if not await store.replace(self._engine, agent):
            return False
        await self.reload_roster()
        await self._after_change(agent.id)
        return True

    def _check(self, agent: RosterAgent) -> None:
        """The policy's own rule for its roster (config/policy.py), so that an agent added
        here can never break the scheduler or the queues that the policy file could not."""
        problems = self.policy.roster_problems(agent, {*self.roster, agent.id})
        if problems:
            raise InvalidAgent(problems)

    async def remove_agent(self, agent_id: str, *, by: str) -> None:
        """Logged out, out of the roster, and their API tokens revoked."""
        if self._current(agent_id).state is not State.LOGGED_OUT:
            await self.log_out(agent_id, source="api", by=by)
        await store.deactivate(self._engine, agent_id, by=by)
        await self.reload_roster()
        self.status.pop(agent_id, None)

    async def history(self, agent_id: str, *, since: datetime, until: datetime) -> list[StateRow]:
        return await store.history(self._engine, agent_id, since=since, until=until)

    def agent(self, agent_id: str) -> RosterAgent:
        try:
            return self.roster[agent_id]
        except KeyError:
            raise UnknownAgent(agent_id) from None

    def by_extension(self, extension: str) -> RosterAgent | None:
        return next((a for a in self.roster.values() if a.extension == extension), None)

    # --- requests ---------------------------------------------------------------------------
    async def log_in(self, agent_id: str, *, source: str, by: str | None) -> Status:
        return await self._change(agent_id, lambda s, at: states.log_in(s, at), source, by)

    async def log_out(self, agent_id: str, *, source: str, by: str | None) -> Status:
        return await self._change(agent_id, lambda s, at: states.log_out(s, at), source, by)

    async def ready(self, agent_id: str, *, source: str, by: str | None) -> Status:
        return await self._change(agent_id, lambda s, at: states.ready(s, at), source, by)

    async def not_ready(
        self,
        agent_id: str,
        reason: str,
        *,
        source: str,
        by: str | None,
        override: bool = False,
        guard: bool = True,
    ) -> Outcome:
        """Not Ready with a reason, unless it would leave a queue short (see coverage.py)."""
        agent = self.agent(agent_id)
        reasons = self.policy.agents.not_ready_reasons
        warnings: list[str] = []
        async with self._locks[agent_id]:
            current = self._current(agent_id)
            states.not_ready(current, reason, reasons, self._clock())  # refuse nonsense first
            found = self._shortfalls(agent) if guard and current.state is State.READY else []
            enforced = [s for s in found if s.mode == "enforce"]
            for shortfall in found:
                outcome = "warned"
                if shortfall.mode == "enforce":
                    outcome = "overridden" if override else "refused"
                await self._record_refusal(agent, reason, shortfall, outcome, by)
                warnings.append(shortfall.message)
            if enforced and not override:
                raise CoverageRefused(enforced)
            status = await self._commit(
                agent_id,
                lambda s, at: states.not_ready(s, reason, reasons, at),
                source,
                by,
            )
        await self._after_change(agent_id)
        return Outcome(status, warnings)

    # --- what Asterisk tells us -------------------------------------------------------------
    async def call_answered(self, agent_id: str, call_id: str | None = None) -> None:
        if call_id:
            self.calls[agent_id] = call_id
        await self._change(agent_id, lambda s, at: states.call_answered(s, at), "queue", None)

    def agents_on(self, call_id: str) -> list[str]:
        """Who our record has on this caller's call."""
        return [agent for agent, call in self.calls.items() if call == call_id]

    def current_call(self, agent_id: str) -> str | None:
        """The caller this agent answered last, while our record has them on that call."""
        return self.calls.get(agent_id)

    async def call_ended(self, agent_id: str) -> None:
        self.calls.pop(agent_id, None)
        await self._change(agent_id, lambda s, at: states.call_ended(s, at), "queue", None)

    async def rang_unanswered(self, agent_id: str, reason: str) -> None:
        await self._change(
            agent_id, lambda s, at: states.rang_unanswered(s, reason, at), "queue", None
        )

    async def restore(
        self, agent_id: str, step: Callable[[Status, datetime], Change], since: datetime
    ) -> None:
        """Record what Asterisk says happened while we were away, at the time it happened."""
        await self._change(agent_id, step, "reconcile", None, at=since)

    # --- plumbing ---------------------------------------------------------------------------
    async def _change(
        self,
        agent_id: str,
        step: Callable[[Status, datetime], Change],
        source: str,
        by: str | None,
        *,
        at: datetime | None = None,
    ) -> Status:
        self.agent(agent_id)
        async with self._locks[agent_id]:
            status = await self._commit(agent_id, step, source, by, at=at)
        await self._after_change(agent_id)
        return status

    async def _commit(
        self,
        agent_id: str,
        step: Callable[[Status, datetime], Change],
        source: str,
        by: str | None,
        *,
        at: datetime | None = None,
    ) -> Status:
        current = self._current(agent_id)
        moment = at or self._clock()
        change = step(current, moment)
        if change.status == current:
            return current
        await store.record(
            self._engine,
            agent_id,
            _open_state(change.status, started=moment),
            new_interval=change.new_interval,
            source=source,
            set_by=by,
        )
        self.status[agent_id] = change.status
        self._emit(
            "agent_state_changed",
            {
                "agent": agent_id,
                "state": change.status.state.value,
                "reason": change.status.reason,
                "source": source,
                "by": by,
            },
        )
        return change.status

    async def _after_change(self, agent_id: str) -> None:
        if self._apply is not None:
            await self._apply(agent_id)

    def _current(self, agent_id: str) -> Status:
        return self.status.get(agent_id) or states.NEVER_LOGGED_IN

    def _shortfalls(self, agent: RosterAgent) -> list[Shortfall]:
        by_queue: dict[str, set[str]] = defaultdict(set)
        for member, queues in self.members.items():
            for queue in queues:
                by_queue[queue].add(member)
        ready = {a for a, s in self.status.items() if s.state is State.READY}
        return shortfalls(
            self.policy.agents,
            agent,
            members=by_queue,
            ready=ready,
            roster=self.roster,
            staffed=self._staffed(),
        )

    async def _record_refusal(
        self, agent: RosterAgent, reason: str, shortfall: Shortfall, outcome: str, by: str | None
    ) -> None:
        await store.record_refusal(
            self._engine,
            agent_id=agent.id,
            requested_state=State.NOT_READY.value,
            reason=reason,
            queue=shortfall.queue,
            rule=shortfall.rule,
            outcome=outcome,
            message=shortfall.message,
            requested_by=by,
        )
        self._emit(
            "agent_coverage_" + outcome,
            {"agent": agent.id, "queue": shortfall.queue, "rule": shortfall.rule, "by": by},
        )


def _status(row: OpenState) -> Status:
    after = None
    if row.after_state is not None:
        after = (State(row.after_state), row.after_reason)
    return Status(State(row.state), since=row.since, reason=row.reason, after_call=after)


def _open_state(status: Status, *, started: datetime) -> OpenState:
    """The row of the interval a change opens at `started` (only its "after the call" part is
    written when the change opens none)."""
    after_state, after_reason = (None, None)
    if status.after_call is not None:
        after_state, after_reason = status.after_call[0].value, status.after_call[1]
    return OpenState(
        state=status.state.value,
        reason=status.reason,
        since=started,
        after_state=after_state,
        after_reason=after_reason,
    )
