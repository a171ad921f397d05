"""A call event's row statement (store/projection.py's ROW_PROJECTIONS) and its parameters."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.expression import Executable

from ccc_telephony.store.events import CallEvent
from ccc_telephony.store.projection import ROW_PROJECTIONS, ProjectionRules

AT = datetime.now(UTC)


def row_statement(name: str, details: dict[str, Any], rules: ProjectionRules) -> Executable | None:
    return ROW_PROJECTIONS[name](CallEvent("call-1", name, details, at=AT), rules)


def statement_params(statement: Executable | None) -> dict[str, Any]:
    assert statement is not None
    return dict(statement.compile(dialect=postgresql.dialect()).params)  # type: ignore[attr-defined]
