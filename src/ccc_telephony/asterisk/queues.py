"""app_queue's members over AMI: add, remove, pause with a reason, and read them back.

Asterisk's pause flag is what stops app_queue ringing an agent; our database, not Asterisk,
is the record of why (the agents feature keeps both in step).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ccc_telephony.asterisk.ami import Ami


class QueueActionFailed(RuntimeError):
    """Asterisk refused a queue action; the message is Asterisk's own."""


@dataclass(frozen=True, slots=True)
class Member:
    queue: str
    interface: str
    name: str
    paused: bool
    reason: str
    in_call: bool
    last_pause: int  # epoch seconds, 0 if never paused


@dataclass(frozen=True, slots=True)
class Caller:
    queue: str
    call_id: str
    position: int
    wait_seconds: int


class QueueMembers:
    def __init__(self, ami: Ami) -> None:
        self._ami = ami

    async def add(
        self, queue: str, interface: str, *, name: str, paused: bool, reason: str
    ) -> None:
        """Add a member (already there is fine: adding is how we restore state)."""
        action = {
            "Action": "QueueAdd",
            "Queue": queue,
            "Interface": interface,
            "MemberName": name,
            "StateInterface": interface,
            "Paused": "true" if paused else "false",
        }
        if paused and reason:
            action["Reason"] = reason
        reply = await self._ami.action(action)
        if not _ok(reply) and "already" not in _message(reply).lower():
            raise QueueActionFailed(f"QueueAdd {queue} {interface}: {_message(reply)}")

    async def remove(self, queue: str, interface: str) -> None:
        reply = await self._ami.action(
            {"Action": "QueueRemove", "Queue": queue, "Interface": interface}
        )
        if not _ok(reply) and "not there" not in _message(reply).lower():
            raise QueueActionFailed(f"QueueRemove {queue} {interface}: {_message(reply)}")

    async def pause(self, interface: str, *, paused: bool, reason: str) -> None:
        """Pause or unpause a member in every queue it is in."""
        action = {
            "Action": "QueuePause",
            "Interface": interface,
            "Paused": "true" if paused else "false",
        }
        if reason:
            action["Reason"] = reason
        reply = await self._ami.action(action)
        if not _ok(reply):
            raise QueueActionFailed(f"QueuePause {interface}: {_message(reply)}")

    async def members(self) -> list[Member]:
        members, _ = await self.status()
        return members

    async def status(self) -> tuple[list[Member], list[Caller]]:
        """Every member and every caller waiting, in one QueueStatus."""
        replies = await self._ami.collect({"Action": "QueueStatus"})
        members = [_member(r) for r in replies if str(r.get("Event", "")) == "QueueMember"]
        callers = [
            Caller(
                queue=str(r.get("Queue", "")),
                call_id=str(r.get("Uniqueid", "")),
                position=int(str(r.get("Position", "0")) or 0),
                wait_seconds=int(str(r.get("Wait", "0")) or 0),
            )
            for r in replies
            if str(r.get("Event", "")) == "QueueEntry"
        ]
        return members, callers


def _ok(reply: Any) -> bool:
    return str(reply.get("Response", "")).lower() == "success"


def _message(reply: Any) -> str:
    return str(reply.get("Message", ""))[:200]


def _member(reply: Any) -> Member:
    return Member(
        queue=str(reply.get("Queue", "")),
        interface=str(reply.get("Location") or reply.get("Interface", "")),
        name=str(reply.get("Name") or reply.get("MemberName", "")),
        paused=str(reply.get("Paused", "0")) == "1",
        reason=str(reply.get("PausedReason", "")),
        in_call=str(reply.get("InCall", "0")) == "1",
        last_pause=int(str(reply.get("LastPause", "0")) or 0),
    )
