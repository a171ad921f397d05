"""Mailboxes are reached by real SIP calls and tell real SIP phones of their messages; the
agents' API and phones come from the agents tests' fixtures, the carrier (the caller called
back) from the return-call tests'."""

from tests.integration.agents.conftest import api, phones, token_for
from tests.integration.returns.conftest import carrier

__all__ = ["api", "carrier", "phones", "token_for"]
