"""The interpreter desk: conference the language line into an agent's call, drop it, let the
agent step aside and back, and document who interpreted. Every path (the agent's keys, the
API) comes here; each call's changes are serialised by a lock of its own.

Events on the caller's call: `interpreter_joined` (session, agent, number, language, name,
role, interpreter_id), `interpreter_not_reached` (the line did not answer), `agent_stepped_aside`
/ `agent_stepped_back`, `interpreter_documented`, `interpreter_left` (reason).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any, Protocol

import structlog

from ccc_telephony.asterisk.ari import AriError
from ccc_telephony.config.interpreters import Interpreters, dial
from ccc_telephony.interpreters.conference import (
    LINE_HANDLER,
    SNOOP_HANDLER,
    Interpretation,
    Stage,
)
from ccc_telephony.interpreters.documentation import Documentation

log = structlog.get_logger(__name__)

Emit = Callable[[str, str, Mapping[str, Any]], None]
Watch = Callable[[str, Callable[[dict[str, Any]], None]], Awaitable[None]]


class QueueCall(Protocol):
    """The agent's channel (outside our app), by name (interpreters.outside.QueueCallChannels)."""

    async def mute(self, channel: str, muted: bool) -> None: ...


class Ari(Protocol):
    """The ARI requests the desk makes (asterisk.ari.AriClient has them)."""

    app: str

    async def create_bridge(self, bridge_id: str, *, kind: str = ...) -> None: ...
    async def add_to_bridge(self, bridge_id: str, channel_id: str) -> None: ...
    async def destroy_bridge(self, bridge_id: str) -> None: ...
    async def hangup(self, channel_id: str, reason: str = ...) -> None: ...
    async def snoop(
        self,
        channel_id: str,
        *,
        app_args: str,
        spy: str,
        whisper: str,
        snoop_id: str | None = ...,
    ) -> Any: ...
    async def originate(
        self, params: Mapping[str, str | int], *, variables: Mapping[str, str] | None = ...
    ) -> Any: ...


class InterpreterError(Exception):
    """Why an interpreter request cannot be done; `status` is the HTTP answer."""

    status = 409


class NoLine(InterpreterError):
    status = 422


class AlreadyIn(InterpreterError):
    pass


class NoInterpreter(InterpreterError):
    pass


class LineFailed(InterpreterError):
    status = 502


class InterpreterDesk:
    def __init__(
        self,
        *,
        policy: Interpreters,
        main_number: str,
        ari: Ari,
        queue_call: QueueCall,
        watch: Watch,
        emit: Emit,
        clock: Callable[[], datetime],
    ) -> None:
        self._policy = policy
        self._main_number = main_number
        self._ari = ari
        self._queue_call = queue_call
        self._watch = watch
        self._emit = emit
        self._clock = clock
        # The call's latest interpretation (kept after it left, to document it, until the
        # call ends); and every one by session tag, for the channels' handlers.
        self.calls: dict[str, Interpretation] = {}
        self.sessions: dict[str, Interpretation] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def _lock(self, call_id: str) -> asyncio.Lock:
        return self._locks.setdefault(call_id, asyncio.Lock())

    # --- the agent's requests ---------------------------------------------------------------
    async def join(
        self,
        *,
        call_id: str,
        agent_id: str,
        agent_leg: str,
        language: str,
        documentation: Documentation | None = None,
    ) -> Interpretation:
        """Ring the language line for `language`; the interpreter joins when they answer."""
        async with self._lock(call_id):
            current = self.calls.get(call_id)
            if current is not None and current.stage is not Stage.LEFT:
                raise AlreadyIn("an interpreter is already on this call")
            line = self._policy.line_for(language)
            if line is None:
                raise NoLine(f"no interpreter line for language {language!r}")
            it = Interpretation(
                call_id=call_id,
                agent_id=agent_id,
                agent_leg=agent_leg,
                language=language,
                line=line,
                requested_at=self._clock(),
                documentation=documentation or Documentation(),
            )
            self.calls[call_id] = it
            self.sessions[it.tag] = it
            try:
                await self._connect(it)
            except (AriError, InterpreterError) as exc:
                log.warning("interpreter line not connected", call_id=call_id, error=str(exc))
                await self._end(it, "not_connected")
                raise LineFailed("the interpreter line could not be called") from None
            return it

    async def _connect(self, it: Interpretation) -> None:
        await self._ari.create_bridge(it.bridge_id)
        await self._ari.snoop(
            it.call_id,
            app_args=it.args(SNOOP_HANDLER),
            spy="both",
            whisper="both",
            snoop_id=it.snoop_channel,
        )
        await self._watch(it.snoop_channel, lambda _: self._later(it, "caller_left"))
        target = dial(it.line)
        await self._ari.originate(
            {
                "endpoint": target.endpoint,
                "app": self._ari.app,
                "appArgs": it.args(LINE_HANDLER),
                "channelId": it.line_channel,
                "callerId": f'"Interpreter {it.language.upper()}" <{self._main_number}>',
                "timeout": self._policy.ring_seconds,
                "formats": "ulaw",
            },
            variables=target.variables,
        )
        await self._watch(it.line_channel, lambda _: self._later(it, "interpreter_hung_up"))

    async def drop(self, call_id: str) -> Interpretation:
        """The agent drops the interpreter and keeps the caller."""
        async with self._lock(call_id):
            it = self._active(call_id)
            await self._end(it, "dropped")
            return it

    async def step(self, call_id: str, *, aside: bool | None = None) -> Interpretation:
        """The agent steps aside (hears nothing, is not heard: caller and interpreter talk
        alone) or back; `aside=None` toggles (the phone's one code)."""
        async with self._lock(call_id):
            it = self._active(call_id)
            wanted = not it.aside if aside is None else aside
            if wanted != it.aside:
                await self._queue_call.mute(it.agent_leg, wanted)
                it.aside = wanted
                name = "agent_stepped_aside" if wanted else "agent_stepped_back"
                self._emit(call_id, name, {"session": str(it.session), "agent": it.agent_id})
            return it

    async def document(self, call_id: str, given: Documentation, *, by: str) -> Interpretation:
        """Who interpreted: on the call's latest interpreter, in or already gone."""
        async with self._lock(call_id):
            it = self.calls.get(call_id)
            if it is None:
                raise NoInterpreter("no interpreter on this call")
            it.documentation = it.documentation.merged(given)
            self._emit(
                call_id,
                "interpreter_documented",
                {"session": str(it.session), **given.details(), "by": by},
            )
            return it

    def _active(self, call_id: str) -> Interpretation:
        it = self.calls.get(call_id)
        if it is None or it.stage is Stage.LEFT:
            raise NoInterpreter("no interpreter on this call")
        return it

    # --- what Asterisk says -----------------------------------------------------------------
    def holds(self, tag: str) -> bool:
        """Whether this process made the interpretation (not: found after a restart)."""
        return tag in self.sessions

    async def line_answered(self, tag: str) -> None:
        """The interpreter answered (their channel entered our app): into the bridge."""
        it = self.sessions[tag]
        async with self._lock(it.call_id):
            if it.stage is Stage.LEFT:  # dropped while it rang
                with contextlib.suppress(AriError):
                    await self._ari.hangup(it.line_channel)
                return
            if it.stage is Stage.JOINED:  # found again on an events reconnect
                return
            try:
                await self._ari.add_to_bridge(it.bridge_id, it.line_channel)
            except (AriError, InterpreterError) as exc:
                log.warning("interpreter not bridged", call_id=it.call_id, status=exc.status)
                await self._end(it, "not_connected")
                return
            it.stage = Stage.JOINED
            self._emit(
                it.call_id,
                "interpreter_joined",
                {
                    "session": str(it.session),
                    "agent": it.agent_id,
                    "number": it.line,
                    "language": it.language,
                    **it.documentation.details(),
                },
            )

    async def snoop_started(self, tag: str) -> None:
        it = self.sessions[tag]
        if it.snoop_bridged:  # found again on an events reconnect
            return
        try:
            if it.stage is Stage.LEFT:
                await self._ari.hangup(it.snoop_channel)
            else:
                await self._ari.add_to_bridge(it.bridge_id, it.snoop_channel)
                it.snoop_bridged = True
        except AriError as exc:
            log.warning("caller's snoop not bridged", call_id=it.call_id, status=exc.status)
            self._later(it, "not_connected")

    def call_over(self, call_id: str, why: str) -> None:
        """The agent's part of the call ended (hung up, transferred the caller) or the call
        did: the interpreter goes; the call's record is forgotten once the call ended."""
        it = self.calls.get(call_id)
        if it is not None and it.stage is not Stage.LEFT:
            self._later(it, why)
        if why == "call_ended":
            self.calls.pop(call_id, None)
            lock = self._locks.get(call_id)
            if lock is not None and not lock.locked():
                del self._locks[call_id]
            for tag in [t for t, x in self.sessions.items() if x.call_id == call_id]:
                self.sessions.pop(tag, None)

    def _later(self, it: Interpretation, why: str) -> None:
        """From an event callback: end the interpretation in a task of its own."""
        if it.stage is Stage.LEFT:
            return

        async def end() -> None:
            async with self._lock(it.call_id):
                await self._end(it, why)

        task = asyncio.get_running_loop().create_task(end(), name=f"interpreter-{it.tag}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- the end ----------------------------------------------------------------------------
    async def _end(self, it: Interpretation, why: str) -> None:
        """Take the interpreter out and put the call back as it was; at most once."""
        if it.stage is Stage.LEFT:
            return
        joined = it.stage is Stage.JOINED
        it.stage = Stage.LEFT
        for channel in (it.line_channel, it.snoop_channel):
            with contextlib.suppress(AriError):
                await self._ari.hangup(channel)
        with contextlib.suppress(AriError):
            await self._ari.destroy_bridge(it.bridge_id)
        if it.aside:
            with contextlib.suppress(InterpreterError):
                await self._queue_call.mute(it.agent_leg, False)
            it.aside = False
        session = str(it.session)
        if joined:
            self._emit(it.call_id, "interpreter_left", {"session": session, "reason": why})
        else:
            reason = "no_answer" if why == "interpreter_hung_up" else why
            self._emit(
                it.call_id,
                "interpreter_not_reached",
                {"session": session, "number": it.line, "language": it.language, "reason": reason},
            )
