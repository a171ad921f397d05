"""The `call_interpreters` rows the call's interpreter events make, in the event writer's
transaction (store/projection.py's row projections): `interpreter_joined` makes the row,
`interpreter_documented` fills in who the interpreter is, `interpreter_left` closes it. Each
statement is keyed on the row's id (the interpretation's session) and idempotent."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from uuid import UUID

from sqlalchemy import update as sql_update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.sql.expression import Executable

from ccc_telephony.store.details import text, uuid_of
from ccc_telephony.store.tables import call_interpreters

if TYPE_CHECKING:
    from ccc_telephony.store.events import CallEvent

_c = call_interpreters.c
DOCUMENTED = ("interpreter_id", "name", "role")


def _session(details: Mapping[str, Any]) -> UUID | None:
    return uuid_of(details.get("session"))


def joined(event: CallEvent, _: object) -> Executable | None:
    session = _session(event.details)
    required = {key: text(event.details, key) for key in ("agent", "language", "number")}
    if session is None or None in required.values():
        return None
    return (
        insert(call_interpreters)
        .values(
            id=session,
            call_id=event.call_id,
            agent_id=required["agent"],
            language=required["language"],
            number=required["number"],
            joined_at=event.at,
            **{key: text(event.details, key) for key in DOCUMENTED},
        )
        .on_conflict_do_nothing(index_elements=[_c.id])
    )


def documented(event: CallEvent, _: object) -> Executable | None:
    """What the agent documented replaces what the row held; what they left out stays."""
    session = _session(event.details)
    if session is None:
        return None
    given = {key: text(event.details, key) for key in DOCUMENTED}
    values = {key: value for key, value in given.items() if value is not None}
    return (
        sql_update(call_interpreters)
        .where(_c.id == session)
        .values(**values, documented_by=text(event.details, "by"), documented_at=event.at)
    )


def left(event: CallEvent, _: object) -> Executable | None:
    session = _session(event.details)
    if session is None:
        return None
    reason = text(event.details, "reason")
    return (
        sql_update(call_interpreters)
        .where(_c.id == session, _c.left_at.is_(None))
        .values(left_at=event.at, left_reason=reason)
    )
