"""Who hears a signature's audio, and when retention ends."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from ccc_telephony.signatures.access import may_hear
from ccc_telephony.signatures.ledger import years_before
from ccc_telephony.web.auth import ADMIN, Principal
from tests.unit.signatures.test_chain import _open_row


@pytest.mark.parametrize(
    ("principal", "hears"),
    [
        (Principal(name="maria", role="agent", agent_id="maria", token_id=1), True),
        (Principal(name="tom", role="agent", agent_id="tom", token_id=2), False),
        (Principal(name="lena", role="lead", agent_id="lena", token_id=3), True),
        (Principal(name="sam", role="supervisor", agent_id="sam", token_id=4), True),
        (ADMIN, True),
    ],
)
def test_the_audio_is_for_its_agent_leads_supervisors_and_the_admin(
    principal: Principal, hears: bool
) -> None:
    row: Any = _open_row(1)  # taken by maria
    assert row.id != uuid.UUID(int=0)
    assert may_hear(principal, row) is hears


def test_seven_years_before_a_leap_day_is_the_28th() -> None:
    assert years_before(datetime(2028, 2, 29, 12, tzinfo=UTC), 7) == datetime(
        2021, 2, 28, 12, tzinfo=UTC
    )
    assert years_before(datetime(2026, 12, 2, tzinfo=UTC), 7) == datetime(2019, 12, 2, tzinfo=UTC)
