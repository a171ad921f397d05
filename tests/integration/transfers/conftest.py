"""Transfers between real SIP phones: the agents' fixtures (roster, API, SIPp phones), and
where a phone's Refer-To points (Asterisk's SIP port)."""

import pytest

from ccc_telephony.devstack.stack import Stack
from tests.integration.agents.conftest import api, phones, queue_show

__all__ = ["api", "phones", "queue_show"]


@pytest.fixture
def sip_port(stack: Stack) -> int:
    return stack.inst.ports.sip
