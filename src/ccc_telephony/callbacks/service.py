"""Callback instead of waiting: from the caller's key 1 to the call that reaches them.

When a placeholder's turn comes app_queue rings an agent as for any caller; once the agent
answers, the caller is dialled (`CallerDialer.connect`: the return-call dialer, main number as
caller ID). Agent first, then the caller, because the agent is the scarce side: app_queue has
already reserved a free person in the caller's place in line, so a caller who answers talks
to someone at once, instead of answering a call that puts them back on hold (the other order
would need an agent free at the moment the caller picks up, or make them wait again).

An answered callback is one contact the agent owes a wrap-up for: a return call on the
caller's own call (the one they kept their place for); the placeholder itself is no call of
its own (its queue events change the agent's state only: app.py). An attempt nobody answers is
a failed contact of the agent who tried; the callback is tried again `retry_minutes` later at
the head of the queue, `max_attempts` in all.

The caller's channel of each attempt is recorded before it is dialled, so an attempt found
under way after a restart (of the service or of Asterisk) is settled by what Asterisk still
has: the caller's channel up, they answered (connected); else it is hung up if it still rings
and counts as unanswered. A caller is never dialled again for an attempt they may have
answered.
Events on the caller's call: callback_offered (they keyed 1), callback_accepted,
callback_declined, callback_dialled, callback_connected, callback_failed (each unanswered
attempt; `final` on the last), callback_cancelled.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.asterisk.ari import AriError
from ccc_telephony.asterisk.ari.channel import StasisChannel
from ccc_telephony.callbacks.line import PlaceInLine
from ccc_telephony.callbacks.offer import Media, NumberQuestion
from ccc_telephony.callbacks.rules import (
    BACK_IN_LINE_CONTEXT,
    after_unanswered,
    placeholder_ids,
    placeholder_of,
)
from ccc_telephony.config.callbacks import Callbacks
from ccc_telephony.returns.dialer import Outcome, caller_channel, new_tag
from ccc_telephony.store import queue_callbacks as store
from ccc_telephony.store.queue_callbacks import CallbackRow, NewCallback

log = structlog.get_logger(__name__)

Emit = Callable[[str, str, Mapping[str, Any]], None]
AgentAt = Callable[[str], str | None]
# An attempt a restart interrupted before the caller answered.
INTERRUPTED = "interrupted by a restart before the caller answered"


class Ari(Protocol):
    async def variable(self, channel_id: str, name: str) -> str: ...
    async def channels(self) -> list[dict[str, Any]]: ...
    async def hangup(self, channel_id: str, reason: str = ...) -> None: ...


class CallerDialer(Protocol):
    async def connect(
        self,
        agent_channel_id: str,
        number: str,
        *,
        language: str,
        reference: str,
        tag: str | None = None,
    ) -> Outcome: ...


class Contacts(Protocol):
    """Every attempt a contact (returns/contacts.py ReturnContacts)."""

    async def answered(
        self, agent: str, outcome: Outcome, *, call_id: str | None = ...
    ) -> None: ...
    async def failed(self, agent: str, outcome: Outcome, *, comment: str | None = ...) -> None: ...


class UnknownCallback(LookupError):
    """No such callback (404)."""


class NotCancellable(ValueError):
    """The callback is already over (409)."""


class CallbackService:
    def __init__(
        self,
        *,
        engine: AsyncEngine,
        policy: Callbacks,
        clock: Callable[[], datetime],
        line: PlaceInLine,
        dialer: CallerDialer,
        contacts: Contacts,
        agent_at: AgentAt,
        ari: Ari,
        media: Media,
        emit: Emit,
        first_digit_seconds: float,
    ) -> None:
        self._engine = engine
        self.policy = policy
        self._clock = clock
        self.line = line
        self._dialer = dialer
        self._contacts = contacts
        self._agent_at = agent_at
        self._ari = ari
        self._media = media
        self._emit = emit
        self._first_digit = first_digit_seconds
        # The callbacks this process is dialling now (a reconnect to ARI leaves them be).
        self._dialling: set[int] = set()

    def now(self) -> datetime:
        return self._clock()

    # --- the caller keyed 1 in the queue ----------------------------------------------------
    async def offered(self, channel: StasisChannel) -> None:
        """Stasis(callback-offer, <QUEUEWAIT_MS>): the caller left the queue with their key."""
        queue = await channel.variable("CCC_QUEUE")
        language = await self._optional(channel, "CCC_LANGUAGE") or ""
        waited = channel.args[1] if len(channel.args) > 1 else ""
        now = self.now()
        entered_at = now - timedelta(milliseconds=int(waited) if waited.isdigit() else 0)
        self._emit(channel.id, "callback_offered", {"queue": queue, "language": language})
        question = NumberQuestion(
            channel, language=language, media=self._media, first=self._first_digit
        )
        answer = await question.ask()
        if answer.number is None:
            self._emit(channel.id, "callback_declined", {"queue": queue})
            await question.say("callback_back_in_line")
            await self._back_in_line(channel, queue, entered_at)
            return
        row = await store.add(
            self._engine,
            NewCallback(
                call_id=channel.id,
                queue=queue,
                number=answer.number,
                language=language,
                entered_at=entered_at,
                accepted_at=now,
            ),
        )
        self._emit(
            channel.id,
            "callback_accepted",
            {
                "callback": row.id,
                "queue": queue,
                "number": row.number,
                "from_caller_id": answer.from_caller_id,
            },
        )
        await self.line.put(row)
        await question.say("callback_thanks")
        await channel.hangup()

    async def _back_in_line(self, channel: StasisChannel, queue: str, entered_at: datetime) -> None:
        position = await self.line.position(queue, entered_at)
        await channel.set_variables({"CCC_POSITION": str(position)})
        await channel.continue_to(BACK_IN_LINE_CONTEXT, "s")

    @staticmethod
    async def _optional(channel: StasisChannel, name: str) -> str | None:
        try:
            return await channel.variable(name)
        except AriError:
            return None

    # --- an agent answered a placeholder ----------------------------------------------------
    async def answered(self, channel: StasisChannel) -> None:
        """Stasis(callback, <id>): the placeholder's `;1` half, bridged (through the Local
        channel) with the agent who answered. The caller is dialled for them."""
        channel.handed_off = True  # never the callers' fallback: hung up on failure
        row = await self._placeholder_row(channel)
        if row is None or row.state not in ("queued", "dialling", "connected"):
            await channel.hangup()
            return
        if row.state != "queued":  # found again after a restart: `reconcile` settles it
            await channel.until_gone()
            return
        agent = await self._agent_of(channel.id)
        tag = new_tag()
        self._dialling.add(row.id)
        try:
            dialling = await store.change(
                self._engine,
                row.id,
                only_from=("queued",),
                at=self.now(),
                values={
                    "state": "dialling",
                    "agent_id": agent,
                    "attempts": row.attempts + 1,
                    "attempt_id": caller_channel(tag),
                },
            )
            if dialling is None:  # cancelled as the agent answered
                await channel.hangup()
                return
            await self._dial(channel, dialling, agent, tag)
        finally:
            self._dialling.discard(row.id)

    async def _dial(
        self, channel: StasisChannel, row: CallbackRow, agent: str | None, tag: str
    ) -> None:
        details = {"callback": row.id, "queue": row.queue, "agent": agent, "attempt": row.attempts}
        self._emit(row.call_id, "callback_dialled", details)
        try:
            outcome = await self._dialer.connect(
                channel.id,
                row.number,
                language=row.language,
                reference=f"callback-{row.id}",
                tag=tag,
            )
        except Exception as exc:  # the agent hung up as it started, Asterisk refused...
            log.warning("callback not dialled", callback=row.id, error=type(exc).__name__)
            outcome = _unanswered_outcome(row, reason="not placed")
        if outcome.answered:
            await self._connected(row, agent, outcome, details)
            if outcome.ended is not None:
                await outcome.ended
            return
        await channel.hangup()  # the agent is free for the next caller at once
        await self._unanswered(row, agent, outcome)

    async def _connected(
        self, row: CallbackRow, agent: str | None, outcome: Outcome, details: Mapping[str, Any]
    ) -> bool:
        """The caller answered: the callback is kept, and the agent owes its one wrap-up (a
        return call on the caller's own call). False if it was settled already."""
        connected = await store.change(
            self._engine,
            row.id,
            only_from=("dialling",),
            at=self.now(),
            values={"state": "connected", "last_outcome": "answered"},
        )
        if connected is None:
            return False
        self._emit(row.call_id, "callback_connected", {**details, "attempt_id": outcome.channel_id})
        if agent is not None:
            await self._contacts.answered(agent, outcome, call_id=row.call_id)
        return True

    async def _unanswered(self, row: CallbackRow, agent: str | None, outcome: Outcome) -> bool:
        """Tried again later, or failed for good; the attempt a failed contact of the agent.
        False if it was settled already (the round and a reconcile both found it)."""
        now = self.now()
        after = after_unanswered(row.attempts, now, self.policy)
        values: dict[str, Any] = {"last_outcome": outcome.result, "placeholder": None}
        if after.next == "retry":
            values |= {"state": "waiting", "next_attempt_at": after.at}
        else:
            values |= {"state": "failed"}
        moved = await store.change(
            self._engine, row.id, only_from=("dialling",), at=now, values=values
        )
        if moved is None:
            return False
        if agent is not None:
            with contextlib.suppress(ValueError):  # logged already (a repeated event)
                await self._contacts.failed(agent, outcome)
        self._emit(
            row.call_id,
            "callback_failed",
            {
                "callback": row.id,
                "queue": row.queue,
                "agent": agent,
                "attempt": row.attempts,
                "outcome": outcome.result,
                "attempt_id": outcome.channel_id,
                "final": after.next == "failed",
                "retry_at": after.at.isoformat() if after.at else None,
                **({"reason": outcome.reason} if outcome.reason else {}),
            },
        )
        return True

    async def _settle_interrupted(self, row: CallbackRow, states: Mapping[str, str]) -> None:
        """An attempt under way when the service or Asterisk went away, judged by what
        Asterisk has now (`states`: channel id -> state). The caller's channel up: they
        answered (the dialer's adoption ends the call whole when one side hangs up). Else
        they were not reached: what is left of it is hung up (a caller still ringing is
        never left to answer into silence) and it counts as an unanswered attempt."""
        details = {"callback": row.id, "queue": row.queue, "agent": row.agent_id}
        if row.attempt_id is not None and states.get(row.attempt_id) == "Up":
            outcome = Outcome("answered", row.attempt_id, row.number, f"callback-{row.id}")
            log.info("callback found connected after a restart", callback=row.id)
            await self._connected(row, row.agent_id, outcome, {**details, "adopted": True})
            return
        outcome = _unanswered_outcome(row, reason=INTERRUPTED)
        if not await self._unanswered(row, row.agent_id, outcome):
            return
        log.info("callback attempt interrupted", callback=row.id, attempt=row.attempt_id)
        for channel in (row.attempt_id, row.placeholder):
            if channel is not None and channel in states:
                with contextlib.suppress(AriError):
                    await self._ari.hangup(channel)

    async def _placeholder_row(self, channel: StasisChannel) -> CallbackRow | None:
        found = placeholder_of(channel.id)
        if found is None:
            return None
        row = await store.get(self._engine, found[0])
        if row is None or row.placeholder != channel.id:
            return None  # an old attempt's placeholder, or a cancelled callback
        return row

    async def _agent_of(self, leg: str) -> str | None:
        """The agent app_queue connected: MEMBERINTERFACE on the queued half (setinterfacevar)."""
        found = placeholder_of(leg)
        if found is None:
            return None
        _, queued = placeholder_ids(*found)
        try:
            interface = await self._ari.variable(queued, "MEMBERINTERFACE")
        except AriError:
            return None
        tech, _, extension = interface.partition("/")
        return self._agent_at(extension) if tech.upper() == "PJSIP" else None

    # --- the list, and cancelling -----------------------------------------------------------
    async def list(self, *, states: tuple[str, ...], queue: str | None) -> list[CallbackRow]:
        return await store.find(self._engine, states=states, queue=queue)

    async def get(self, callback_id: int) -> CallbackRow:
        row = await store.get(self._engine, callback_id)
        if row is None:
            raise UnknownCallback(f"no callback {callback_id}")
        return row

    async def cancel(self, callback_id: int, *, by: str) -> CallbackRow:
        """A callback not yet dialled leaves the line (its caller called again, or asked)."""
        row = await self.get(callback_id)
        cancelled = await store.change(
            self._engine,
            row.id,
            only_from=("waiting", "queued"),
            at=self.now(),
            values={"state": "cancelled", "next_attempt_at": None},
            by=by,
        )
        if cancelled is None:
            raise NotCancellable(f"callback {callback_id} is {row.state}: it cannot be cancelled")
        await self.line.take_out(row)
        self._emit(row.call_id, "callback_cancelled", {"callback": row.id, "by": by})
        log.info("callback cancelled", callback=row.id, by=by)
        return cancelled

    # --- the background round ---------------------------------------------------------------
    async def tick(self) -> int:
        """Put every callback whose time has come back in line (retries), after settling any
        attempt no task of this process holds (a reconcile that could not run: the database
        was away as ARI came back); tests call this after moving the clock."""
        orphans = await self._orphans()  # (never one of ours: its channels come and go)
        if orphans:
            await self._settle(orphans, await self._channel_states())
        return await self.line.put_due()

    async def reconcile(self) -> None:
        """On every (re)connect to Asterisk: attempts under way that this process does not
        hold, or whose channels are all gone (Asterisk restarted under a task of ours, which
        would otherwise wait out its ring time), are settled; placeholders adopted or put back
        (see line.PlaceInLine). Should it fail (the database or ARI away), the round settles
        and puts back meanwhile."""
        try:
            states = await self._channel_states()
            await self._settle(await self._orphans(gone_from=states), states)
            await self.line.reconcile(frozenset(states))
        except Exception as exc:
            log.warning("callbacks not reconciled", error=type(exc).__name__)

    async def _orphans(
        self, *, gone_from: Mapping[str, str] | None = None
    ) -> Sequence[CallbackRow]:
        """Callbacks being dialled that no task of this process holds; with `gone_from` (the
        channels Asterisk has) also those held whose placeholder and attempt are both gone.
        (The task then finds its callback settled and leaves it.)"""
        rows = await store.find(self._engine, states=("dialling",))
        return [
            row
            for row in rows
            if row.id not in self._dialling
            or (gone_from is not None and not {row.placeholder, row.attempt_id} & gone_from.keys())
        ]

    async def _settle(self, rows: Sequence[CallbackRow], states: Mapping[str, str]) -> None:
        for row in rows:
            await self._settle_interrupted(row, states)

    async def _channel_states(self) -> dict[str, str]:
        """Every channel Asterisk has: id -> state ("Up" once answered)."""
        return {str(c.get("id")): str(c.get("state")) for c in await self._ari.channels()}


def _unanswered_outcome(row: CallbackRow, *, reason: str) -> Outcome:
    """An attempt that never reached the caller (not placed, or cut by a restart): failed,
    named by its caller's channel (else the placeholder's)."""
    channel = row.attempt_id or row.placeholder or f"callback-{row.id}"
    return Outcome("failed", channel, row.number, f"callback-{row.id}", reason=reason)
