"""Abusive calls on real SIP calls: the agents' fixtures (roster, API, SIPp phones)."""

from tests.integration.agents.conftest import api, phones

__all__ = ["api", "phones"]
