"""What the IVR left on a caller's channel, read back for the mid-call tools: only values of
the shapes the IVR sets, never nine digits as a case number (an SSN), and nothing when AMI
cannot say."""

from __future__ import annotations

from typing import Any

from ccc_telephony.agents.calls import AgentCalls, CallerFacts


class _Ami:
    def __init__(self, values: dict[str, str] | None) -> None:
        self.values = values

    async def action(self, action: dict[str, str]) -> Any:
        if self.values is None:
            raise ConnectionError("AMI down")
        return {"Value": self.values.get(action["Variable"], "(null)")}


def _calls(values: dict[str, str] | None) -> AgentCalls:
    return AgentCalls(
        ari=None,  # type: ignore[arg-type]
        ami=_Ami(values),  # type: ignore[arg-type]
        roster=dict,
        agent_at=lambda _: None,
        caller_of=lambda _: None,
    )


async def test_the_ivrs_values_come_back() -> None:
    facts = await _calls({"CCC_LANGUAGE": "es", "CCC_CASE": "4567890123"}).caller_facts("c1")
    assert facts == CallerFacts(language="es", case_number="4567890123")
    facts = await _calls({"CCC_SSN_LAST4": "1234"}).caller_facts("c1")
    assert facts == CallerFacts(ssn_last4="1234")


async def test_anything_else_is_not_a_fact() -> None:
    odd = {"CCC_LANGUAGE": "ES; DROP", "CCC_CASE": "123456789", "CCC_SSN_LAST4": "12345"}
    assert await _calls(odd).caller_facts("c1") == CallerFacts()
    assert await _calls(None).caller_facts("c1") == CallerFacts()
