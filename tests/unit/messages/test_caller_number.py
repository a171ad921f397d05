"""The one rule for the caller's number a message keeps: the caller controls it (caller ID), so
only digits (a leading + at most) are kept; both ways a message is stored use it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.sql.elements import ClauseElement

from ccc_telephony.store import messages
from ccc_telephony.store.events import CallEvent
from ccc_telephony.store.projection import ROW_PROJECTIONS, ProjectionRules


@pytest.mark.parametrize("number", ["6085550142", "+16085550142", "3955", "123"])
def test_digits_are_kept(number: str) -> None:
    assert messages.kept_number(number) == number


@pytest.mark.parametrize(
    "number",
    [
        None,
        "",
        "anonymous",
        "12",
        "6085550142\n",  # a trailing newline: a log line or an e-mail line of its own
        "608 555 0142",
        "608-555-0142",
        "++6085550142",
        "6085550142;x=1",
        "٦٠٨٥٥٥٠١٤٢",  # digits of another script
        "1" * 21,
    ],
)
def test_anything_else_is_not(number: str | None) -> None:
    assert messages.kept_number(number) is None


def test_the_after_hours_projection_keeps_the_number_by_the_same_rule() -> None:
    def stored(number: str) -> dict[str, Any]:
        event = CallEvent(
            call_id="c1",
            name="message_recorded",
            details={"recording": "message-c1", "caller_number": number, "queue": "ebd"},
            at=datetime(2026, 12, 1, 20, tzinfo=UTC),
        )
        statement = ROW_PROJECTIONS["message_recorded"](event, ProjectionRules())
        assert isinstance(statement, ClauseElement)
        return dict(statement.compile().params)

    assert "6085550142" in stored("6085550142").values()
    assert "6085550142\n" not in stored("6085550142\n").values()
