"""Queue callbacks against the real Asterisk: the agents' fixtures (roster, API, SIPp phones),
the sandbox's carrier (a SIPp UAS that answers the call back) and app_queue's own view. A
callback a test leaves owed is cancelled after it (its placeholder would wait in the queue for
the next tests' agents)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import pytest

from ccc_telephony.app import Service
from ccc_telephony.callbacks.service import NotCancellable
from ccc_telephony.store.queue_callbacks import OPEN_STATES
from tests.integration.agents.conftest import api, phones, queue_show
from tests.integration.escalations.conftest import staff
from tests.integration.returns.conftest import carrier

__all__ = ["api", "carrier", "phones", "queue_show", "staff"]


@pytest.fixture(autouse=True)
async def no_callback_left(service: Service) -> AsyncIterator[None]:
    yield
    callbacks = service.callbacks.service
    for row in await callbacks.list(states=OPEN_STATES, queue=None):
        with contextlib.suppress(NotCancellable):
            await callbacks.cancel(row.id, by="test")
