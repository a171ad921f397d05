"""The mailer never sends anything shaped like an SSN, and says why a message did not go."""

from __future__ import annotations

import pytest

from ccc_telephony.config.settings import Settings
from ccc_telephony.mail import Mailer, MailRefused


def _mailer(**settings: object) -> Mailer:
    return Mailer(Settings(smtp_sender="ccc@agency.example", **settings))  # type: ignore[arg-type]


def test_a_message_is_plain_text_from_the_sender() -> None:
    message = _mailer().message(["sup@agency.example"], "Threat on call 1796173729.7", "Body")
    assert (message["From"], message["To"]) == ("ccc@agency.example", "sup@agency.example")
    assert message.get_content() == "Body\n"


@pytest.mark.parametrize("ssn", ["212345678", "212-34-5678", "212 34 5678"])
def test_an_ssn_shape_is_refused_anywhere(ssn: str) -> None:
    with pytest.raises(MailRefused):
        _mailer().message(["sup@agency.example"], "Threat", f"caller {ssn}")
    with pytest.raises(MailRefused):
        _mailer().message(["sup@agency.example"], f"Threat {ssn}", "body")


def test_an_identifier_the_sender_vouches_for_is_not_taken_for_an_ssn() -> None:
    call_id = "call-123456789abc"
    with pytest.raises(MailRefused):
        _mailer().message(["s@agency.example"], f"Threat on call {call_id}", "body")
    _mailer().message(["s@agency.example"], f"Threat on call {call_id}", "body", ids=[call_id])


async def test_without_a_server_nothing_is_sent_and_it_says_why() -> None:
    sent = await _mailer(smtp_host="").send(["s@agency.example"], "subject", "body")
    assert not sent.ok and sent.error is not None and "CCC_SMTP_HOST" in sent.error
    nobody = await _mailer(smtp_host="127.0.0.1").send([], "subject", "body")
    assert not nobody.ok
