"""Message waiting on the agent's own phone: Asterisk's MWI core, fed by MinivmMWI over AMI,
sends the phone a message-summary NOTIFY (res_pjsip_mwi), as a desk phone's lamp needs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ccc_telephony.app import Service
from ccc_telephony.asterisk import mwi


async def test_a_phone_is_told_when_messages_wait_and_when_none_do(
    service: Service, phones: Callable[..., Any]
) -> None:
    phone = await phones("mwi1", "3861", "ebd", log_in=False)
    await mwi.publish(service.ami, "mwi1", new=2, old=1)
    summary = await phone.message_waiting(True)
    assert (summary.new, summary.old) == (2, 1)
    await mwi.publish(service.ami, "mwi1", new=0, old=0)
    summary = await phone.message_waiting(False)
    assert (summary.new, summary.old) == (0, 0)
