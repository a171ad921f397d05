"""Confidential cases' call-back tasks: marked on a call, completed, told, worked, escalated.

A task is marked during a call (the phone code, or the agent's screen) with what the call
knows: the caller's case number from the IVR, their number from the trunk. The agent gives the
rest (the assigned worker, the caller's name, the best time) through the API. Once nothing is
missing the task falls due (`Workdays.within_shift_due` of the worker, counted from the mark)
and the worker and their leads are told, live and by e-mail. Attempts move it on (answered:
done; the policy's last failed attempt: unreachable); a lead may give a told task to another
worker (due again from then, the new worker told). The check flags a task the policy's minutes
before it is due (to those told) and sends one past due to the leads, once each.

Every e-mail goes one way: posted to the mail outbox under its kind and the task (once, retried
while the SMTP server is away), never sent directly; the worker's is posted in the background
(`jobs.Later`: no SMTP server holds up the agent). A notice with nobody to go to (no lead, no
supervisor in the roster) is neither posted nor flagged: the next check tries again.

Every look at a task, allowed or refused, is audited before it is answered.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
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
    due_soon_notice,
    incomplete_notice,
    leads_of,
    missing,
    overdue_notice,
    owed_notice,
    person_of,
)
from ccc_telephony.config.agents import RosterAgent
from ccc_telephony.config.policy import Policy
from ccc_telephony.hours.workdays import Workdays
from ccc_telephony.jobs import Later
from ccc_telephony.live.feed import Audience
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
# A store function that flags a task once (warned, escalated, incomplete_flagged).
FlagOnce = Callable[..., Awaitable[CallbackRow | None]]
# The outbox's kinds: the worker's notice (key: the task and when it was told, so a reassigned
# task's new worker gets theirs), the pre-due flag and the overdue one (the task and its due
# time), the leads' notice of a task never completed (the task).
OWED = "confidential_owed"
DUE_SOON = "confidential_due_soon"
OVERDUE = "confidential_overdue"
INCOMPLETE = "confidential_incomplete"
KINDS = (OWED, DUE_SOON, OVERDUE, INCOMPLETE)


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
        self._roster = roster
        self._failed_attempt = failed_attempt
        self._later = Later("confidential notice")

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
        return self._due_from(worker, created_at)

    def _due_from(self, worker: RosterAgent, start: datetime) -> dict[str, Any]:
        rules = self._rules
        due = self._workdays.within_shift_due(
            worker, start, rules.callback_hours, rules.min_shift_minutes
        )
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
        told_to = self._told_with(worker)

        def rule(task: CallbackRow) -> Change:
            if task.notified_at is not None:
                raise Closed("told already")
            values = {"notified_at": self._clock(), "notified_to": told_to}
            return Change(values, "notified", {"to": told_to})

        try:
            told = await store.change(self._engine, row.id, rule, who="service", at=self._clock())
        except Closed:
            return row
        assert told is not None
        self._tell_owed(told)
        return told

    def _told_with(self, worker: RosterAgent) -> list[str]:
        """Who is told of a worker's task: they and their leads (`leads_of`'s fallbacks)."""
        return [worker.id, *(head.id for head in leads_of(worker, self._roster()))]

    def _tell_owed(self, row: CallbackRow) -> None:
        """Live event `confidential_callback_owed` to those told, and their e-mail posted."""
        self._publish(
            "confidential_callback_owed", _owed(row), Audience.people(*row.notified_to or [])
        )
        self._later(self._post_owed(row))

    async def reassign(
        self, principal: Principal, task_id: int, worker_id: str, note: str | None
    ) -> CallbackRow:
        """Give a told task to another worker (their leads or supervisors, the admin): due
        again from now inside the new worker's shift, they and their leads told (live and by
        e-mail), the pre-due and overdue flags to come again; audited as `reassigned`."""
        kept = free_text(note, field="note", max_chars=NOTE_MAX_CHARS)
        worker = self._roster().get(worker_id)
        if worker is None:
            raise BadField("worker_id: not in the roster")
        await self._allowed(principal, task_id, "reassign", Reader.may_reassign)
        now = self._clock()
        told_to, due = self._told_with(worker), self._due_from(worker, now)
        before: list[str | None] = []

        def rule(task: CallbackRow) -> Change:
            if not task.open:
                raise Closed(f"the task is {task.state}")
            if task.notified_at is None:
                raise Closed("nobody has been told yet: give the worker with PATCH")
            if task.worker_id == worker.id:
                raise Closed("the task is this worker's already")
            before.append(task.worker_id)
            values = {**due, **_UNTOLD, "worker_id": worker.id}
            told = {"notified_at": now, "notified_to": told_to}
            details = {"from": task.worker_id, "to": worker.id, "note": kept}
            at = due["due_at"].isoformat()
            return Change({**values, **told}, "reassigned", {**details, "due_at": at})

        row = await store.change(self._engine, task_id, rule, who=principal.who, at=now)
        if row is None:
            raise UnknownTask(str(task_id))
        data = {"task_id": row.id, "from": before[0], "to": worker.id, "by": principal.name}
        gone = [person for person in before if person]
        self._publish("confidential_callback_reassigned", data, Audience.people(*gone, *told_to))
        self._tell_owed(row)
        return row

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
        return await self.record_attempt(
            task_id, outcome, by=principal.who, note=note, agent_id=principal.agent_id
        )

    async def call_back(self, principal: Principal, task_id: int) -> Attempt:
        """Ring the requester's phone (the worker's, or the lead's who asks; the admin's
        token has none: the worker's), then dial the caller through the carrier (the dialer);
        its outcome is recorded as an attempt (answered: a contact of whoever called, its
        wrap-up owed). Someone who does not answer their own phone is noted, and counts no
        attempt. DialerError when it cannot be placed (CallUnderWay while another call back
        of the task is)."""
        row = await self._allowed(principal, task_id, "call_back", Reader.may_work)
        if not row.open or missing(row) or row.worker_id is None or row.phone is None:
            raise Closed(f"the task is {row.state}" if not row.open else "the task is not complete")
        me = principal.agent_id
        ringing = me if me is not None and me in self._roster() else row.worker_id

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
                    task_id,
                    outcome.result,
                    by=by,
                    attempt_id=outcome.channel_id,
                    agent_id=attempt.agent_id,
                )
            except Closed as exc:  # marked done meanwhile
                log.info("confidential attempt not counted", task_id=task_id, why=str(exc))

        reference = f"confidential:{row.id}"
        return await self._dialer.call_back(
            ringing, row.phone, reference=reference, on_outcome=dialled
        )

    async def record_attempt(
        self,
        task_id: int,
        outcome: Outcome,
        *,
        by: str,
        attempt_id: str | None = None,
        note: str | None = None,
        agent_id: str | None = None,
    ) -> CallbackRow:
        """One attempt to call the caller back and how it went: the API's, and the dialer's
        outcome (`attempt_id` its channel). A failed one is also a contact in the log, of
        `agent_id` (who called; None: the worker)."""
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
                agent_id=agent_id or row.worker_id or row.agent_id,
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

    # --- the check: flags before and after the due time, incomplete tasks -----------------
    async def check(self) -> None:
        """The check job's run: workers' e-mails not posted yet (a stop in between), tasks due
        soon, overdue ones, incomplete ones, and the e-mails the SMTP server did not take yet."""
        for row in await store.unposted(self._engine):
            await self._post_owed(row)
        await self.check_due_soon()
        await self.check_overdue()
        await self.check_incomplete()
        await self._outbox.flush(KINDS)

    async def check_due_soon(self) -> list[CallbackRow]:
        """Flag every told task not done `confidential.warn_before_minutes` before it is due,
        once (per due time: a reassigned task again): live event
        `confidential_callback_due_soon` and an e-mail to the worker and their leads. A test
        calls this after moving the clock."""
        now, minutes, roster = self._clock(), self._rules.warn_before_minutes, self._roster()
        sent = []
        for row in await store.due_soon(self._engine, now, now + timedelta(minutes=minutes)):
            worker = roster.get(row.worker_id or "")
            people = _once([worker, *leads_of(person_of(row, roster), roster)])
            notice = due_soon_notice(
                row, worker, minutes, self._rules.callback_hours, self._policy.zone
            )
            warned, told = await self._flag(
                DUE_SOON, _due_key(row), row, people, notice, store.warned
            )
            if warned is None:
                continue
            data = {**_owed(warned), "attempts": warned.attempts, "state": warned.state}
            self._publish("confidential_callback_due_soon", data, Audience.people(*told))
            sent.append(warned)
        return sent

    async def check_overdue(self) -> list[CallbackRow]:
        """Send every task past due and not done to the leads of its unit (`person_of`,
        `leads_of`: never to nobody), once per due time: live and by e-mail (posted to the
        outbox first, so neither a restart nor an SMTP outage loses or repeats it). A test
        calls this after moving the clock."""
        sent, roster = [], self._roster()
        hours = self._rules.callback_hours
        for row in await store.overdue(self._engine, self._clock()):
            worker = roster.get(row.worker_id or "")
            notice = overdue_notice(row, worker, hours, self._policy.zone)
            leads = leads_of(person_of(row, roster), roster)
            escalated, told = await self._flag(
                OVERDUE, _due_key(row), row, leads, notice, store.escalated
            )
            if escalated is None:
                continue
            log.warning("confidential call back overdue", task_id=row.id, worker=row.worker_id)
            data = {**_owed(escalated), "attempts": escalated.attempts, "state": escalated.state}
            self._publish("confidential_callback_overdue", data, Audience.people(*told))
            sent.append(escalated)
        return sent

    async def check_incomplete(self) -> list[CallbackRow]:
        """Send every task still incomplete (nobody told) the policy's minutes after it was
        marked to the leads of the agent who marked it, once each, live and by e-mail: the
        promise's hours run from the mark, and until it is complete no worker knows of it."""
        minutes, roster = self._rules.incomplete_minutes, self._roster()
        sent = []
        for row in await store.incomplete(self._engine, self._clock() - timedelta(minutes=minutes)):
            agent = roster.get(row.agent_id)
            notice = incomplete_notice(row, agent, minutes, self._policy.zone)
            flagged, leads = await self._flag(
                INCOMPLETE,
                str(row.id),
                row,
                leads_of(agent, roster),
                notice,
                store.incomplete_flagged,
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

    async def _flag(
        self,
        kind: str,
        key: str,
        row: CallbackRow,
        people: Sequence[RosterAgent],
        notice: tuple[str, str],
        flag: FlagOnce,
    ) -> tuple[CallbackRow | None, list[str]]:
        """The notice to `people`: posted to the outbox first (once, by its key), then the
        task flagged (once); the flagged task (None if it was already, or nobody is there to
        tell: then neither is done, and the next check tries again) and the people's ids."""
        if not people:
            log.error("confidential notice has nobody to go to", kind=kind, task_id=row.id)
            return None, []
        subject, body = notice
        to = [person.email for person in people if person.email]
        await self._outbox.post(kind, key, to=to, subject=subject, body=body, ids=[row.call_id])
        ids = [person.id for person in people]
        return await flag(self._engine, row.id, to=ids, at=self._clock()), ids

    # --- e-mail -----------------------------------------------------------------------------
    async def _post_owed(self, row: CallbackRow) -> None:
        """The worker's e-mail (those told copied) posted to the outbox: tried at once, then
        at each check while the SMTP server is away. The task notes to whom it was posted and,
        if the first try failed, why (the outbox has every later try)."""
        roster = self._roster()
        worker = roster.get(row.worker_id or "")
        if worker is None:  # left the roster since: the overdue check finds their leads
            return
        people = [roster[who] for who in row.notified_to or [] if who in roster]
        subject, body = owed_notice(row, worker, self._rules.callback_hours, self._policy.zone)
        to = [person.email for person in people if person.email]
        posted = await self._outbox.post(
            OWED, _told_key(row), to=to, subject=subject, body=body, ids=[row.call_id]
        )
        error = posted.sent.error if posted.sent is not None and not posted.sent.ok else None
        if error is not None:
            log.warning("confidential e-mail not sent yet", task_id=row.id, why=error)
        assert row.notified_at is not None
        await store.emailed(self._engine, row.id, told_at=row.notified_at, to=to, error=error)

    async def mail_sent(self) -> None:
        """Wait for the workers' e-mails being posted (a stopping service, a test)."""
        await self._later.settled()

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


# What a reassigned task starts again with: nobody e-mailed, flagged or escalated yet.
_UNTOLD: dict[str, Any] = {
    "emailed_to": None,
    "email_error": None,
    "warned_at": None,
    "warned_to": None,
    "escalated_at": None,
    "escalated_to": None,
}


def _told_key(row: CallbackRow) -> str:
    assert row.notified_at is not None
    return f"{row.id}:{row.notified_at.isoformat()}"


def _due_key(row: CallbackRow) -> str:
    assert row.due_at is not None
    return f"{row.id}:{row.due_at.isoformat()}"


def _once(people: Sequence[RosterAgent | None]) -> list[RosterAgent]:
    """The people given, each once, in order (None: someone no longer in the roster)."""
    found: dict[str, RosterAgent] = {}
    for person in people:
        if person is not None:
            found.setdefault(person.id, person)
    return list(found.values())


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
