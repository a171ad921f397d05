"""Wrap-ups on real calls: the agents' fixtures and the escalations' staff (supervisors and
leads without phones)."""

from tests.integration.agents.conftest import api, phones
from tests.integration.escalations.conftest import staff

__all__ = ["api", "phones", "staff"]
