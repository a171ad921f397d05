"""Confidential cases' call-back tasks: marked on a call, completed, told, worked, escalated.

A task is marked during a call (the phone code, or the agent's screen) with what the call
knows: the caller's case number from the IVR, their number from the trunk. The agent gives the
rest (the assigned worker, the caller's name, the best time) through the API. Once nothing is
missing the task falls due (`Workdays.within_shift_due` of the worker, counted from the mark)
and the worker and their leads are told, live and by e-mail (sent in the background: no SMTP
server holds up the agent). Attempts move it on (answered: done; the policy's last failed
attempt: unreachable); the overdue check sends a task past due to the leads, once.

Every look at a task, allowed or refused, is audited before it is answered.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.confidential.rules import (
    BadField,
    Closed,
    FailedOutcome,
    NotYours,
    Outcome,
    Reader,
    Scope,
    after_attempt,
    checked_case_number,
    checked_phone,
    incomplete_notice,
    leads_of,
    missing,
    overdue_notice,
    owed_notice,
)
from ccc_telephony.config.agents import RosterAgent
from ccc_telephony.config.policy import Policy
from ccc_telephony.hours.workdays import Workdays
from ccc_telephony.live.feed import Audience
from ccc_telephony.mail import Mailer
from ccc_telephony.outbox import Outbox
from ccc_telephony.returns.contacts import ReturnContacts
from ccc_telephony.returns.dialer import Attempt, ReturnDialer
from ccc_telephony.returns.dialer import Outcome as Dialled
from ccc_telephony.store import confidential as store
from ccc_telephony.store.confidential import ActionRow, CallbackRow, Change, NewCallback
from ccc_telephony.web.auth import Principal
from ccc_telephony.web.validation import UnsafeText, free_text

log = structlog.get_logger(__name__)

NOTE_MAX_CHARS = 500
BEST_TIME_MAX_CHARS = 80
EmitCall = Callable[[str, str, Mapping[str, Any]], None]
Publish = Callable[[str, Mapping[str, Any], Audience], object]
Roster = Callable[[], Mapping[str, RosterAgent]]
# The outbox's kinds for the leads' notices (key: the task's id).
OVERDUE = "confidential_overdue"
ToLeads = Callable[..., Awaitable[CallbackRow | None]]
INCOMPLETE = "confidential_incomplete"


class FailedAttempt(Protocol):
    """The contact log's failed outbound attempt (WrapupService.failed_attempt)."""

    async def __call__(
        self, *, agent_id: str, call_id: str, outcome: FailedOutcome, comment: str | None = None
    ) -> object: ...


class UnknownTask(LookupError):
    pass


@dataclass(frozen=True, slots=True)
class Given:
    """What the agent (or the call) says of the case; None: not given."""

    worker_id: str | None = None
    caller_name: str | None = None
    case_number: str | None = None
    phone: str | None = None
    best_time: str | None = None

    def values(self) -> dict[str, str]:
        return {name: value for name, value in asdict(self).items() if value is not None}


class ConfidentialService:
    def __init__(
        self,
        *,
        engine: AsyncEngine,
        clock: Callable[[], datetime],
        policy: Policy,
        emit: EmitCall,
        publish: Publish,
        mailer: Mailer,
        roster: Roster,
        failed_attempt: FailedAttempt,
        dialer: ReturnDialer,
        contacts: ReturnContacts,
        outbox: Outbox,
    ) -> None:
        self._engine = engine
        self._dialer = dialer
        self._contacts = contacts
        self._outbox = outbox
        self._clock = clock
        self._policy = policy
        self._rules = policy.confidential
        self._workdays = Workdays(policy)
        self._emit = emit
        self._publish = publish
        self._mailer = mailer
        self._roster = roster
        self._failed_attempt = failed_attempt
        self._mailing: set[asyncio.Task[None]] = set()

    def reader(self, principal: Principal) -> Reader:
        return Reader(principal, self._roster())

    # --- marking and completing -------------------------------------------------------------
    async def mark(
        self, agent: RosterAgent, call_id: str, given: Given, *, by: str, source: str
    ) -> tuple[CallbackRow, bool]:
        """The call's task by this agent, and whether this mark made it. Marking the call
        again fills in what is given (the screen after the phone code)."""
        values = self._checked(given)
        now = self._clock()
        new = NewCallback(call_id, agent.id, source, now, by, {**values, **self._due(values, now)})
        row, made = await store.mark(self._engine, new)
        if made:
            self._emit(
                call_id, "confidential_marked", {"task_id": row.id, "agent": agent.id, "by": by}
            )
        elif values:
            row = await self._fill(row.id, values, by)
        return await self._told_if_complete(row), made

    async def complete(self, principal: Principal, task_id: int, given: Given) -> CallbackRow:
        values = self._checked(given)
        await self._allowed(principal, task_id, "complete", Reader.may_complete)
        row = await self._fill(task_id, values, principal.who)
        return await self._told_if_complete(row)

    def usable(self, known: Given) -> Given:
        """What the call knows that a task can hold (a withheld or internal caller number, a
        case number the policy does not write so, is left for the agent to give)."""
        kept: dict[str, str] = {}
        for name, value in known.values().items():
            try:
                kept.update(self._checked(Given(**{name: value})))
            except (BadField, UnsafeText):
                continue
        return Given(**kept)

    def _checked(self, given: Given) -> dict[str, str]:
        values = given.values()
        if "worker_id" in values and values["worker_id"] not in self._roster():
            raise BadField("worker_id: not in the roster")
        if "case_number" in values:
            pattern = self._policy.caller_identification.case_number_pattern
            values["case_number"] = checked_case_number(values["case_number"], pattern)
        if "phone" in values:
            values["phone"] = checked_phone(values["phone"])
        if "best_time" in values:
            best = free_text(values["best_time"], field="best_time", max_chars=BEST_TIME_MAX_CHARS)
            if best is None:
                raise BadField('best_time: say when (e.g. "mornings", "any time")')
            values["best_time"] = best
        return values

    def _due(self, values: Mapping[str, Any], created_at: datetime) -> dict[str, Any]:
        """The due time once the worker is known, counted from when the case was marked."""
        worker = self._roster().get(values.get("worker_id") or "")
        if worker is None:
            return {}
        due = self._workdays.within_shift_due(worker, created_at, self._rules.callback_hours)
        return {"due_at": due.at, "due_within": due.within}

    async def _fill(self, task_id: int, values: dict[str, str], by: str) -> CallbackRow:
        def rule(task: CallbackRow) -> Change:
            if task.notified_at is not None:
                raise Closed("the worker has been told already; the task's details are kept")
            return Change(
                {**values, **self._due(values, task.created_at)},
                "completed",
                {"fields": sorted(values)},
            )

        row = await store.change(self._engine, task_id, rule, who=by, at=self._clock())
        if row is None:
            raise UnknownTask(str(task_id))
        return row

    async def _told_if_complete(self, row: CallbackRow) -> CallbackRow:
        """Tell the worker and their leads once nothing is missing (once: under the lock);
        while something is, the marking agent's screen hears what."""
        gaps = missing(row)
        if gaps or row.notified_at is not None:
            if gaps:
                self._publish(
                    "confidential_callback_incomplete",
                    {"task_id": row.id, "call_id": row.call_id, "missing": gaps},
                    Audience.people(row.agent_id),
                )
            return row
        worker = self._roster().get(row.worker_id or "")
        if worker is None:  # left the roster since it was given: PATCH another worker
            log.warning("confidential task's worker is not in the roster", task_id=row.id)
            return row
        leads = leads_of(worker, self._roster())

        def rule(task: CallbackRow) -> Change:
            if task.notified_at is not None:
                raise Closed("told already")
            told = [worker.id, *(lead.id for lead in leads)]
            return Change(
                {"notified_at": self._clock(), "notified_to": told}, "notified", {"to": told}
            )

        try:
            told = await store.change(self._engine, row.id, rule, who="service", at=self._clock())
        except Closed:
            return row
        assert told is not None
        self._publish(
            "confidential_callback_owed", _owed(told), Audience.people(*told.notified_to or [])
        )
        subject, body = owed_notice(told, worker, self._rules.callback_hours, self._policy.zone)
        self._in_background(self._mail(told, [worker, *leads], subject, body))
        return told

    # --- the record -------------------------------------------------------------------------
    async def tasks(
        self,
        principal: Principal,
        *,
        scope: Scope | None,
        state: str | None,
        overdue: bool,
        limit: int,
    ) -> list[CallbackRow]:
        reader = self.reader(principal)
        try:
            workers, creators = reader.listed(scope or reader.default_scope())
        except NotYours:
            await self._audit(principal, "list", allowed=False, tasks=[])
            raise
        now = self._clock()
        rows = await store.listing(
            self._engine,
            workers=workers,
            creators=creators,
            states=None if state is None else [state],
            due_before=now if overdue else None,
            limit=limit,
        )
        rows = [row for row in rows if reader.sees(row) and (not overdue or row.overdue(now))]
        await self._audit(principal, "list", allowed=True, tasks=[row.id for row in rows])
        return rows

    async def task(self, principal: Principal, task_id: int) -> tuple[CallbackRow, list[ActionRow]]:
        row = await self._allowed(principal, task_id, "read", Reader.sees)
        return row, await store.history(self._engine, task_id)

    # --- working it -------------------------------------------------------------------------
    async def attempt(
        self, principal: Principal, task_id: int, outcome: Outcome, note: str | None
    ) -> CallbackRow:
        """An attempt the worker made and reports (a call from elsewhere than the dialer)."""
        await self._allowed(principal, task_id, "attempt", Reader.may_work)
        return await self.record_attempt(task_id, outcome, by=principal.who, note=note)

    async def call_back(self, principal: Principal, task_id: int) -> Attempt:
        """Ring the worker's phone, then dial the caller through the carrier (the dialer);
        its outcome is recorded as an attempt (answered: a contact, its wrap-up owed). A worker
        who does not answer their own phone is noted, and counts no attempt. DialerError when
        it cannot be placed (CallUnderWay while another call back of the task is)."""
        row = await self._allowed(principal, task_id, "call_back", Reader.may_work)
        if not row.open or missing(row) or row.worker_id is None or row.phone is None:
            raise Closed(f"the task is {row.state}" if not row.open else "the task is not complete")

        async def dialled(attempt: Attempt, outcome: Dialled | None) -> None:
            if outcome is None:  # the worker did not answer their phone: nobody was dialled
                details = {"worker": attempt.agent_id, "attempt": attempt.tag}
                await store.note(
                    self._engine,
                    task_id,
                    who=attempt.agent_id,
                    action="call_back_not_answered",
                    at=self._clock(),
                    details=details,
                )
                self._tell_attempt(row, "worker_not_reached")
                return
            if outcome.answered:
                await self._contacts.answered(attempt.agent_id, outcome)
            by = f"{attempt.agent_id} (call back)"
            try:
                await self.record_attempt(
                    task_id, outcome.result, by=by, attempt_id=outcome.channel_id
                )
            except Closed as exc:  # marked done meanwhile
                log.info("confidential attempt not counted", task_id=task_id, why=str(exc))

        reference = f"confidential:{row.id}"
        return await self._dialer.call_back(
            row.worker_id, row.phone, reference=reference, on_outcome=dialled
        )

    async def record_attempt(
        self,
        task_id: int,
        outcome: Outcome,
        *,
        by: str,
        attempt_id: str | None = None,
        note: str | None = None,
    ) -> CallbackRow:
        """One attempt to call the caller back and how it went: the API's, and the dialer's
        outcome (`attempt_id` its channel). A failed one is also a contact in the log."""
        kept = free_text(note, field="note", max_chars=NOTE_MAX_CHARS)
        now = self._clock()

        def rule(task: CallbackRow) -> Change:
            if not task.open:
                raise Closed(f"the task is {task.state}")
            if missing(task):
                raise Closed(f"the task is not complete: {', '.join(missing(task))} missing")
            state = after_attempt(task, outcome, self._rules.max_attempts)
            details = {"outcome": outcome, "attempt": task.attempts + 1, "note": kept}
            values = {"attempts": task.attempts + 1, "state": state, "state_at": now}
            return Change({**values, "state_by": by}, "attempt", details)

        row = await store.change(self._engine, task_id, rule, who=by, at=now)
        if row is None:
            raise UnknownTask(str(task_id))
        self._tell_attempt(row, outcome)
        if outcome != "answered":
            contact = attempt_id or f"confidential-{row.id}-{row.attempts}"
            await self._failed_attempt(
                agent_id=row.worker_id or row.agent_id,
                call_id=contact,
                outcome=outcome,
                comment=kept,
            )
        return row

    def _tell_attempt(self, row: CallbackRow, result: str) -> None:
        """Live event `confidential_callback_attempt` to those told of the task."""
        data = {"task_id": row.id, "result": result, "attempts": row.attempts, "state": row.state}
        self._publish(
            "confidential_callback_attempt",
            data,
            Audience.people(*(row.notified_to or [row.worker_id or row.agent_id])),
        )

    async def done(self, principal: Principal, task_id: int, note: str | None) -> CallbackRow:
        """The worker called back (or the case no longer needs it): the promise is kept."""
        kept = free_text(note, field="note", max_chars=NOTE_MAX_CHARS)
        await self._allowed(principal, task_id, "done", Reader.may_work)
        now = self._clock()

        def rule(task: CallbackRow) -> Change:
            if not task.open:
                raise Closed(f"the task is {task.state}")
            values = {"state": "done", "state_at": now, "state_by": principal.who}
            return Change(values, "done", {"note": kept})

        row = await store.change(self._engine, task_id, rule, who=principal.who, at=now)
        if row is None:
            raise UnknownTask(str(task_id))
        return row

    # --- the check: overdue and incomplete tasks to the leads --------------------------------
    async def check(self) -> None:
        """The check job's run: overdue tasks, incomplete ones, and the leads' e-mails the
        SMTP server did not take yet."""
        await self.check_overdue()
        await self.check_incomplete()
        await self._outbox.flush([OVERDUE, INCOMPLETE])

    async def check_overdue(self) -> list[CallbackRow]:
        """Send every task past due and not done to the worker's leads, once each: live and
        by e-mail (posted to the outbox first, so neither a restart nor an SMTP outage loses
        or repeats it). A test calls this after moving the clock."""
        sent = []
        hours = self._rules.callback_hours
        for row in await store.overdue(self._engine, self._clock()):
            worker = self._roster().get(row.worker_id or "")
            notice = overdue_notice(row, worker, hours, self._policy.zone)
            escalated, leads = await self._to_leads(OVERDUE, row, worker, notice, store.escalated)
            if escalated is None:
                continue
            log.warning("confidential call back overdue", task_id=row.id, worker=row.worker_id)
            data = {**_owed(escalated), "attempts": escalated.attempts, "state": escalated.state}
            self._publish("confidential_callback_overdue", data, Audience.people(*leads))
            sent.append(escalated)
        return sent

    async def check_incomplete(self) -> list[CallbackRow]:
        """Send every task still incomplete (nobody told) the policy's minutes after it was
        marked to the leads of the agent who marked it, once each, live and by e-mail: the
        promise's hours run from the mark, and until it is complete no worker knows of it."""
        minutes = self._rules.incomplete_minutes
        sent = []
        for row in await store.incomplete(self._engine, self._clock() - timedelta(minutes=minutes)):
            agent = self._roster().get(row.agent_id)
            notice = incomplete_notice(row, agent, minutes, self._policy.zone)
            flagged, leads = await self._to_leads(
                INCOMPLETE, row, agent, notice, store.incomplete_flagged
            )
            if flagged is None:
                continue
            log.warning("confidential task still incomplete", task_id=row.id, agent=row.agent_id)
            data = {"task_id": row.id, "call_id": row.call_id, "marked_by": row.agent_id}
            self._publish(
                "confidential_callback_not_told",
                {**data, "missing": missing(flagged), "marked_at": row.created_at.isoformat()},
                Audience.people(row.agent_id, *leads),
            )
            sent.append(flagged)
        return sent

    async def _to_leads(
        self,
        kind: str,
        row: CallbackRow,
        person: RosterAgent | None,
        notice: tuple[str, str],
        flag: ToLeads,
    ) -> tuple[CallbackRow | None, list[str]]:
        """The notice to the leads of `person` (the worker, the marking agent): posted to the
        outbox first (once, by the task's id), then the task flagged (once); the flagged task
        (None if it was already) and the leads' ids."""
        leads = leads_of(person, self._roster()) if person is not None else []
        subject, body = notice
        to = [lead.email for lead in leads if lead.email]
        await self._outbox.post(
            kind, str(row.id), to=to, subject=subject, body=body, ids=[row.call_id]
        )
        ids = [lead.id for lead in leads]
        return await flag(self._engine, row.id, to=ids, at=self._clock()), ids

    # --- e-mail -----------------------------------------------------------------------------
    def _in_background(self, mailing: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(mailing)
        self._mailing.add(task)
        task.add_done_callback(self._mailing.discard)

    async def _mail(
        self,
        row: CallbackRow,
        people: list[RosterAgent],
        subject: str,
        body: str,
    ) -> None:
        to = [person.email for person in people if person.email]
        sent = await self._mailer.send(to, subject, body, ids=[row.call_id])
        if not sent.ok:
            log.warning("confidential e-mail not sent", task_id=row.id, why=sent.error)
        try:
            await store.emailed(self._engine, row.id, to=to if sent.ok else [], error=sent.error)
        except Exception as exc:
            log.warning("cannot note the confidential e-mail", error=type(exc).__name__)

    async def mail_sent(self) -> None:
        """Wait for the e-mails under way (a stopping service, a test)."""
        if self._mailing:
            await asyncio.gather(*self._mailing, return_exceptions=True)

    # --- access -----------------------------------------------------------------------------
    async def _allowed(
        self,
        principal: Principal,
        task_id: int,
        action: str,
        rule: Callable[[Reader, CallbackRow], bool],
    ) -> CallbackRow:
        row = await store.task(self._engine, task_id)
        if row is None:
            await self._audit(principal, action, allowed=False, tasks=[task_id])
            raise UnknownTask(str(task_id))
        allowed = rule(self.reader(principal), row)
        if action in store.LOOKS or not allowed:  # a change allowed is logged as made
            await self._audit(principal, action, allowed=allowed, tasks=[row.id])
        if not allowed:
            log.warning("confidential task refused", who=principal.who, task_id=task_id)
            raise NotYours("only the worker, the leads and supervisors of their unit, the admin")
        return row

    async def _audit(
        self, principal: Principal, action: str, *, allowed: bool, tasks: list[int]
    ) -> None:
        await store.audit(
            self._engine,
            who=principal.who,
            action=action,
            allowed=allowed,
            at=self._clock(),
            task_ids=list(tasks),
        )


def _owed(row: CallbackRow) -> dict[str, Any]:
    """A live event's fields: the standard's four, and when it is due."""
    return {
        "task_id": row.id,
        "worker": row.worker_id,
        "caller_name": row.caller_name,
        "case_number": row.case_number,
        "phone": row.phone,
        "best_time": row.best_time,
        "due_at": None if row.due_at is None else row.due_at.isoformat(),
        "due_within": row.due_within,
    }
