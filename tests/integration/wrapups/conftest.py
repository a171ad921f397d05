"""Wrap-ups on real calls: the agents' fixtures and the threats folder's staff (supervisors
and leads without phones)."""

from tests.integration.agents.conftest import api, phones
from tests.integration.threats.conftest import staff

__all__ = ["api", "phones", "staff"]
