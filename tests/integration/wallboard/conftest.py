"""The agents' fixtures (the admin's API client, agents with real SIPp phones) for the
wallboard's tests."""

from tests.integration.agents.conftest import api, phones

__all__ = ["api", "phones"]
