"""Asking for a signature through the API, without a call: bodies are checked first (400
naming the field), then who may act on the agent's call (403), then whether there is one
(409); a case number, SSN last four or program the policy cannot back is refused."""

from __future__ import annotations

import secrets

from tests.integration.agents.conftest import Api
from tests.integration.signatures.conftest import Staff


async def test_a_start_is_checked_before_anything_happens(api: Api, staff: Staff) -> None:
    maria, tomas = f"maria-{secrets.token_hex(3)}", f"tomas-{secrets.token_hex(3)}"
    await staff(maria, "family")
    tomas_token = await staff(tomas, "family")
    path = f"/api/v1/agents/{maria}/call/signature"
    for body, named in (
        ({"program": "foodshare", "extra": 1}, "extra"),
        ({"ssn_last4": "123456789"}, "ssn_last4"),
        ({"language": "english"}, "language"),
        ({"program": "Food Share"}, "program"),
        ({"case_number": "x" * 33}, "case_number"),
    ):
        status, reply = await api.call("POST", path, body)
        assert status == 400 and named in reply["detail"], (body, reply)
    status, reply = await api.call("POST", path, {}, token=tomas_token)
    assert status == 403, reply
    status, reply = await api.call("POST", path, {"program": "child_care"})
    assert status == 409 and "no caller" in reply["detail"], reply
    status, reply = await api.call("DELETE", path)
    assert status == 409, reply
    status, reply = await api.call("DELETE", f"{path}?cancel=maybe")
    assert status == 400, reply
    status, reply = await api.call("POST", "/api/v1/agents/nobody-here/call/signature", {})
    assert status == 404, reply
