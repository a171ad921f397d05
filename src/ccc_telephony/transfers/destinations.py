"""Where an agent's transfer would take a caller, decided once, the same way for every path.

A blind transfer (SIP REFER), a feature code, a consultation dialled from the agent's phone:
each names its target differently (`7003`, `help`, `sip:+1-608-555-0199@pbx;user=phone`,
`9 1 608 555 0199`). `classify` says what the target is, in this order, so that nothing can
slip past the consortium rule:

1. a CCC queue, by its extension or its name;
2. an agent on the roster, by their extension;
3. an outside number (`directory.numbers.normalize`, the one rule for what a number is, with
   the outbound route's prefixes): another consortium's number is **blocked**, an allow-listed
   one is allowed, any other is denied;
4. anything else is denied.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from ccc_telephony.config.directory import Consortium, Directory
from ccc_telephony.directory.numbers import normalize, user_part

LONGEST_TARGET = 256


@dataclass(frozen=True, slots=True)
class ToQueue:
    queue: str


@dataclass(frozen=True, slots=True)
class ToAgent:
    agent_id: str
    extension: str


@dataclass(frozen=True, slots=True)
class Blocked:
    """Another consortium's number: never transferred; the caller is given its number."""

    number: str
    consortium: Consortium


@dataclass(frozen=True, slots=True)
class Outside:
    """An outside number on the admin's allow-list, in the form the outbound route dials."""

    number: str


@dataclass(frozen=True, slots=True)
class Denied:
    """Neither ours, nor blocked, nor allowed (`reason` says which kind of refusal)."""

    target: str
    reason: str


Destination = ToQueue | ToAgent | Blocked | Outside | Denied


@dataclass(frozen=True, slots=True)
class Targets:
    """What the service knows now about where callers may go."""

    queues: Mapping[str, str]  # a queue's name and its extension -> the queue's name
    agent_by_extension: Callable[[str], str | None]  # -> agent id, active roster only
    directory: Directory
    dial_prefixes: Sequence[str] = ()


def classify(target: str, targets: Targets) -> Destination:
    """What `target` (as a phone or a REFER named it) is. Never raises."""
    if not isinstance(target, str) or not target or len(target) > LONGEST_TARGET:
        return Denied(target=str(target)[:40], reason="unreadable")
    user = user_part(target).lower()  # a queue's name or an extension, as a Refer-To writes it
    queue = targets.queues.get(user)
    if queue is not None:
        return ToQueue(queue)
    agent_id = targets.agent_by_extension(user) if user.isdigit() else None
    if agent_id is not None:
        return ToAgent(agent_id=agent_id, extension=user)
    number = normalize(target, dial_prefixes=targets.dial_prefixes)
    if number is None:
        return Denied(target=user[:40], reason="unknown")
    owner = targets.directory.owner_of(number)
    if owner is not None:
        return Blocked(number=number, consortium=owner)
    if targets.directory.allows(number):
        return Outside(number)
    return Denied(target=number, reason="not_allowed")
