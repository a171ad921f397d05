"""Mailboxes are reached by real SIP calls and tell real SIP phones of their messages; the
agents' API and phones come from the agents tests' fixtures."""

from tests.integration.agents.conftest import api, phones, token_for

__all__ = ["api", "phones", "token_for"]
