"""The wallboard's data and its live viewers.

Every panel is built once per update and each viewer then gets their view of it (an agent:
the queues and their own row). Updates follow agent and call events within a fraction of a
second: a burst of events (a queue filling, a shift logging in) is coalesced into one update
after `coalesce` seconds; and every `refresh` seconds anyway, for figures that move with time
alone. A viewer is sent only the panels that changed for them since their last message.

A viewer never holds up the service: what waits for one slow screen is at most one message
(newer panels replace older ones not yet sent), so memory per viewer is bounded. Each view is
written as JSON once per update for everyone who sees it alike (fifty screens of the same
admin are one encoding, not fifty: encoding per screen held the service's loop long enough to
slow the IVR under load).

Every message says how late it is: `changed_at` is the service clock's time of the oldest
change it reflects, the first `changed()` since the update before (or the update's own time
when only time passed). A viewer's panels merged while waiting keep the oldest, so the time
from `changed_at` to a screen showing it is the update latency that screen saw (`make bench`
measures it with 50 screens).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, Final, NamedTuple

import structlog

from ccc_telephony.store.events import CallEvent
from ccc_telephony.wallboard.panel import Panel
from ccc_telephony.web.auth import Principal

log = structlog.get_logger(__name__)

AgentListener = Callable[[str, Mapping[str, Any]], None]
CallListener = Callable[[CallEvent], None]

COALESCE_SECONDS = 0.1
REFRESH_SECONDS = 5.0
# Call events that change what the board shows (a caller in line, answered, gone); the IVR's
# many others (a key pressed, a prompt played) do not.
CALL_EVENTS: Final = frozenset(
    {
        "queued",
        "queue_joined",
        "abandoned",
        "agent_ringing",
        "agent_answered",
        "agent_call_completed",
        "ring_no_answer",
        "call_ended",
        "transfer_completed",
    }
)


class Update(NamedTuple):
    """What goes to one viewer in one message: its changed panels (JSON text by name), and
    since when they are."""

    panels: dict[str, str]
    changed_at: datetime


def panel_text(data: Any) -> str:
    """A panel's view as sent, and as compared with what was sent last."""
    return json.dumps(data, sort_keys=True, default=str)


class Viewer:
    """One connected screen: who, what it was last sent per panel, and what waits to go."""

    def __init__(self, principal: Principal) -> None:
        self.principal = principal
        self.sent: dict[str, str] = {}
        self.pending: dict[str, str] = {}
        self.pending_since: datetime | None = None
        self.closing = False
        self._wake = asyncio.Event()

    def offer(self, panels: Mapping[str, str], changed_at: datetime) -> None:
        """Panels (their panel_text) whose view changed since last sent; merged into what is
        not yet sent, which then dates from the older change."""
        changed = {name: text for name, text in panels.items() if self.sent.get(name) != text}
        if changed:
            self.sent.update(changed)
            self.pending.update(changed)
            if self.pending_since is None or changed_at < self.pending_since:
                self.pending_since = changed_at
            self._wake.set()

    def close(self) -> None:
        self.closing = True
        self._wake.set()

    async def next(self) -> Update | None:
        """The panels to send next; None once the viewer is to be closed."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            if self.closing:
                return None
            if self.pending_since is not None:
                update = Update(self.pending, self.pending_since)
                self.pending, self.pending_since = {}, None
                return update


class Wallboard:
    def __init__(
        self,
        panels: Sequence[Panel],
        *,
        clock: Callable[[], datetime],
        coalesce: float = COALESCE_SECONDS,
        refresh: float = REFRESH_SECONDS,
        followers: Sequence[AgentListener] = (),
        call_followers: Sequence[CallListener] = (),
    ) -> None:
        """`followers`, `call_followers`: panels' own listeners of agent events (the coverage
        guard's warnings) and of call events (who waits in line)."""
        self.panels = list(panels)
        self._followers = list(followers)
        self._call_followers = list(call_followers)
        self._clock = clock
        self._coalesce = coalesce
        self._refresh = refresh
        self._viewers: set[Viewer] = set()
        self._dirty = asyncio.Event()
        self._changed_since: datetime | None = None  # the first change not yet in an update
        self._last: dict[str, Any] = {}

    @property
    def viewers(self) -> int:
        return len(self._viewers)

    def panels_for(self, principal: Principal) -> list[Panel]:
        return [p for p in self.panels if p.for_agents or principal.role != "agent"]

    # --- what happens -------------------------------------------------------------------------
    def changed(self) -> None:
        """Something the board shows changed: an update follows within `coalesce` seconds."""
        if self._changed_since is None:
            self._changed_since = self._clock()
        self._dirty.set()

    def on_agent_event(self, name: str, details: Mapping[str, Any]) -> None:
        for follower in self._followers:
            follower(name, details)
        self.changed()

    def on_call_event(self, event: CallEvent) -> None:
        for follower in self._call_followers:
            follower(event)
        if event.name in CALL_EVENTS or event.name.startswith("callback_"):
            self.changed()

    # --- reading ------------------------------------------------------------------------------
    async def build(self) -> dict[str, Any]:
        """Every panel's data now; a panel that fails keeps its last data (logged)."""
        now = self._clock()
        for panel in self.panels:
            try:
                self._last[panel.name] = await panel.build(now)
            except Exception:
                log.exception("wallboard panel failed", panel=panel.name)
                self._last.setdefault(panel.name, None)
        return {"at": now.isoformat(), "panels": dict(self._last)}

    def view(self, built: Mapping[str, Any], principal: Principal) -> dict[str, Any]:
        data = built["panels"]
        return {p.name: p.view(data[p.name], principal) for p in self.panels_for(principal)}

    def texts(self, built: Mapping[str, Any], principal: Principal) -> dict[str, str]:
        """The viewer's view, each panel as the JSON text it is sent as."""
        return {name: panel_text(data) for name, data in self.view(built, principal).items()}

    async def snapshot(self, principal: Principal) -> dict[str, Any]:
        built = await self.build()
        return {"at": built["at"], "panels": self.view(built, principal)}

    # --- live ---------------------------------------------------------------------------------
    def subscribe(self, principal: Principal) -> Viewer:
        viewer = Viewer(principal)
        self._viewers.add(viewer)
        return viewer

    def unsubscribe(self, viewer: Viewer) -> None:
        self._viewers.discard(viewer)

    async def run(self) -> None:
        """The background job: an update after each burst of events, and every `refresh`."""
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._refresh):
                    await self._dirty.wait()
            if self._dirty.is_set():
                await asyncio.sleep(self._coalesce)
            # A change from here on may be missed by the build below: it starts the next one.
            self._dirty.clear()
            since, self._changed_since = self._changed_since, None
            if self._viewers:
                await self.push(since)

    async def push(self, since: datetime | None = None) -> None:
        """Every viewer offered their view now; `since`: the first change it reflects (None
        when only time passed: the update dates from its own build)."""
        built = await self.build()
        changed_at = since or datetime.fromisoformat(built["at"])
        texts: dict[Principal, dict[str, str]] = {}
        for viewer in list(self._viewers):
            if viewer.principal not in texts:
                texts[viewer.principal] = self.texts(built, viewer.principal)
            viewer.offer(texts[viewer.principal], changed_at)

    async def close(self, *_: object) -> None:
        """Every viewer told the service is stopping (an aiohttp on_shutdown hook)."""
        for viewer in list(self._viewers):
            viewer.close()
        self._viewers.clear()
