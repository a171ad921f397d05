"""Codes keyed on an agent's phone during a call, as Asterisk reports them: each applicationmap
entry (config.codes) raises the AMI UserEvent `CCCFeature` on the agent's leg, and the feature
that owns the code's name is handed it. One AMI listener for every feature, so a code is acted
on once and a code nobody owns is logged rather than lost in silence."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import structlog

from ccc_telephony.asterisk.ami import Ami
from ccc_telephony.config.codes import FEATURE_EVENT

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class KeyedCode:
    channel: str  # the agent's channel that keyed it (PJSIP/<extension>-xxxxxxxx)
    feature: str  # the applicationmap entry's name
    value: str  # what the code collected (digits), "" for most: untrusted, checked by its owner


Handler = Callable[[KeyedCode], Awaitable[None]]


class InCallCodes:
    def __init__(self, ami: Ami) -> None:
        self._ami = ami
        self._handlers: dict[str, Handler] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def on(self, feature: str, handler: Handler) -> None:
        if feature in self._handlers:
            raise ValueError(f"code {feature} has an owner already")
        self._handlers[feature] = handler

    def register(self) -> None:
        self._ami.on_event("UserEvent", self._on_user_event)

    def _on_user_event(self, _manager: Any, message: Any) -> None:
        fields = dict(message.items())
        if fields.get("UserEvent") != FEATURE_EVENT:
            return
        code = KeyedCode(
            channel=str(fields.get("Channel", ""))[:100],
            feature=str(fields.get("Feature", ""))[:40],
            value=str(fields.get("Value", ""))[:40],
        )
        handler = self._handlers.get(code.feature)
        if handler is None:
            log.warning("a code nobody acts on", feature=code.feature)
            return
        task = asyncio.get_running_loop().create_task(self._run(handler, code))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, handler: Handler, code: KeyedCode) -> None:
        try:
            await handler(code)
        except Exception:  # one failed code must not silence the next
            log.exception("a keyed code failed", feature=code.feature)
