"""An agent's state in the consortium's words, and every change it may go through.

Pure rules, no I/O: the service asks `apply` what a request or a queue event does to an
agent's current status, then writes the interval it closes and the one it opens. A request made
during a call (Not Ready - Last call, log out) waits for the call to end, as agents expect.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum


class State(StrEnum):
    LOGGED_OUT = "logged_out"
    READY = "ready"
    NOT_READY = "not_ready"
    CALL_INBOUND = "call_inbound"


class StateError(ValueError):
    """A request that makes no sense now (e.g. Ready while logged out); the message says why."""


@dataclass(frozen=True, slots=True)
class Status:
    state: State
    since: datetime | None  # None: no interval recorded yet (the agent never logged in)
    reason: str | None = None  # Not Ready only
    # During a call: where the agent goes when it ends (what they were, or what they asked for).
    after_call: tuple[State, str | None] | None = None

    @property
    def paused(self) -> bool:
        """Whether app_queue must not offer this agent a new caller."""
        if self.state is State.CALL_INBOUND and self.after_call is not None:
            return self.after_call[0] is not State.READY
        return self.state is State.NOT_READY

    @property
    def pause_reason(self) -> str:
        if self.state is State.CALL_INBOUND and self.after_call is not None:
            return self.after_call[1] or ""
        return self.reason or ""


@dataclass(frozen=True, slots=True)
class Change:
    """The result of a request or event: the new status, and whether a new interval opens
    (False when only what happens after the call changed)."""

    status: Status
    new_interval: bool


NEVER_LOGGED_IN = Status(State.LOGGED_OUT, since=None)


def log_in(current: Status, at: datetime) -> Change:
    if current.state is not State.LOGGED_OUT:
        raise StateError("already logged in")
    return Change(Status(State.READY, since=at), new_interval=True)


def log_out(current: Status, at: datetime) -> Change:
    if current.state is State.LOGGED_OUT:
        raise StateError("not logged in")
    if current.state is State.CALL_INBOUND:
        return Change(replace(current, after_call=(State.LOGGED_OUT, None)), new_interval=False)
    return Change(Status(State.LOGGED_OUT, since=at), new_interval=True)


def ready(current: Status, at: datetime) -> Change:
    return _set(current, State.READY, None, at)


def not_ready(current: Status, reason: str, reasons: list[str], at: datetime) -> Change:
    if reason not in reasons:
        raise StateError(f"unknown Not Ready reason {reason[:40]!r}; one of: {', '.join(reasons)}")
    return _set(current, State.NOT_READY, reason, at)


def _set(current: Status, state: State, reason: str | None, at: datetime) -> Change:
    if current.state is State.LOGGED_OUT:
        raise StateError("log in first")
    if current.state is State.CALL_INBOUND:
        return Change(replace(current, after_call=(state, reason)), new_interval=False)
    if current.state is state and current.reason == reason:
        return Change(current, new_interval=False)
    return Change(Status(state, since=at, reason=reason), new_interval=True)


def call_answered(current: Status, at: datetime) -> Change:
    """The agent answered a caller (from the queue or transferred directly)."""
    if current.state is State.CALL_INBOUND:
        return Change(current, new_interval=False)
    back_to = (
        (State.READY, None)
        if current.state is State.LOGGED_OUT
        else (current.state, current.reason)
    )
    return Change(Status(State.CALL_INBOUND, since=at, after_call=back_to), new_interval=True)


def call_ended(current: Status, at: datetime) -> Change:
    if current.state is not State.CALL_INBOUND:
        return Change(current, new_interval=False)
    state, reason = current.after_call or (State.READY, None)
    return Change(Status(state, since=at, reason=reason), new_interval=True)


def rang_unanswered(current: Status, reason: str, at: datetime) -> Change:
    """app_queue paused a Ready agent who let a caller ring out: record it with a reason."""
    if current.state is not State.READY:
        return Change(current, new_interval=False)
    return Change(Status(State.NOT_READY, since=at, reason=reason), new_interval=True)
