"""The live feed on real calls: the agents' fixtures (roster, API, SIPp phones), staff without
phones with their tokens, and the service's address."""

from __future__ import annotations

from tests.integration.agents.conftest import api, phones
from tests.integration.escalations.conftest import staff
from tests.integration.threats.conftest import base, token_of

__all__ = ["api", "base", "phones", "staff", "token_of"]
