"""Queue callbacks against the real Asterisk: the agents' fixtures (roster, API, SIPp phones),
the sandbox's carrier (a SIPp UAS that answers the call back) and app_queue's own view."""

from __future__ import annotations

from tests.integration.agents.conftest import api, phones, queue_show
from tests.integration.escalations.conftest import staff
from tests.integration.returns.conftest import carrier

__all__ = ["api", "carrier", "phones", "queue_show", "staff"]
