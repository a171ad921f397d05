"""One interpreter on one call, and the Asterisk objects that put them there.

The caller and the agent stay in app_queue's two-party bridge, outside Stasis. A snoop on the
caller's channel hears both directions of it (spy=both: the caller's voice, and the agent's as
the caller hears it) and what is written to it reaches both directions (whisper=both: the caller
hears it, and, mixed into the caller's audio, the agent through the bridge). Asterisk gives each
frame to spies before whispers are mixed in, so the snoop never hears the interpreter back. The
snoop and the interpreter's channel share a mixing bridge of our app: the interpreter hears the
caller and the agent, both hear the interpreter, nobody hears themself.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID, uuid4

from ccc_telephony.interpreters.documentation import Documentation

# Stasis arguments of the two channels we own: <handler>,<call id>,<session>,<agent's leg>.
LINE_HANDLER = "interpreter-line"
SNOOP_HANDLER = "interpreter-snoop"


class Stage(enum.Enum):
    CALLING = "calling"  # the line is ringing
    JOINED = "joined"  # the interpreter answered and hears the call
    LEFT = "left"


@dataclass(eq=False)
class Interpretation:
    call_id: str  # the caller's channel, also the call's id in call events
    agent_id: str
    agent_leg: str  # the agent's phone channel (name) bridged with the caller
    language: str
    line: str  # the policy's line: what the events call the number
    requested_at: datetime
    documentation: Documentation = field(default_factory=Documentation)
    session: UUID = field(default_factory=uuid4)
    stage: Stage = Stage.CALLING
    aside: bool = False  # the agent stepped aside: caller and interpreter talk alone
    snoop_bridged: bool = False

    @property
    def tag(self) -> str:
        return self.session.hex

    @property
    def bridge_id(self) -> str:
        return bridge_of(self.tag)

    @property
    def line_channel(self) -> str:
        return line_of(self.tag)

    @property
    def snoop_channel(self) -> str:
        return snoop_of(self.tag)

    def args(self, handler: str) -> str:
        return f"{handler},{self.call_id},{self.tag},{self.agent_leg}"


def bridge_of(tag: str) -> str:
    return f"interp-{tag}"


def line_of(tag: str) -> str:
    return f"interp-{tag}-line"


def snoop_of(tag: str) -> str:
    return f"interp-{tag}-snoop"
