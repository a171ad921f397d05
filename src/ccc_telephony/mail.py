"""Outgoing e-mail through the agency's SMTP server (aiosmtplib): STARTTLS unless switched off,
credentials from the secrets. The only sender of mail; features hand it a subject and a plain
text body and learn whether it went.

E-mail sent by the agency never contains SSNs: every message is checked here for anything
shaped like one, and refused (never sent) if it has it, whatever the feature put in it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import aiosmtplib
import structlog

from ccc_telephony.config.settings import MissingSecretError, Settings

log = structlog.get_logger(__name__)

# Nine digits in the shapes an SSN is written (not part of a longer number).
_SSN_SHAPE = re.compile(r"(?<![0-9])[0-9]{3}[- ]?[0-9]{2}[- ]?[0-9]{4}(?![0-9])")


class MailRefused(ValueError):
    """The message holds something that must never leave by e-mail."""


@dataclass(frozen=True, slots=True)
class Sent:
    """Whether a message went, and if not, why (for the record that asked for it) and whether
    trying again may help (the server was away) or not (refused, nobody to send to)."""

    ok: bool
    error: str | None = None
    retry: bool = False


class Mailer:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    @property
    def configured(self) -> bool:
        return bool(self._settings.smtp_host)

    def message(
        self, to: Sequence[str], subject: str, body: str, *, ids: Sequence[str] = ()
    ) -> EmailMessage:
        """The message as it would be sent; MailRefused if it holds an SSN's shape outside
        `ids` (identifiers the sender vouches for, such as a call id, which may happen to
        hold nine digits in a row)."""
        text = f"{subject}\n{body}"
        for identifier in ids:
            text = text.replace(identifier, " ")
        if _SSN_SHAPE.search(text):
            raise MailRefused("the message holds something shaped like an SSN")
        message = EmailMessage()
        message["From"] = self._settings.smtp_sender
        message["To"] = ", ".join(to)
        message["Subject"] = subject
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain="ccc-telephony")
        message.set_content(body)
        return message

    async def send(
        self, to: Sequence[str], subject: str, body: str, *, ids: Sequence[str] = ()
    ) -> Sent:
        """Send, or say why not; never raises (a notice that cannot go must not stop what
        asked for it)."""
        if not to:
            return Sent(ok=False, error="no address to send to")
        if not self.configured:
            return Sent(ok=False, error="e-mail is not configured (CCC_SMTP_HOST)")
        try:
            message = self.message(to, subject, body, ids=ids)
        except MailRefused as exc:
            log.error("e-mail refused", why=str(exc))
            return Sent(ok=False, error=str(exc))
        s = self._settings
        try:
            await aiosmtplib.send(
                message,
                hostname=s.smtp_host,
                port=s.smtp_port,
                start_tls=s.smtp_starttls,
                username=s.smtp_user or None,
                password=s.secret("smtp-password").get_secret_value() if s.smtp_user else None,
                timeout=s.smtp_timeout_seconds,
            )
        except (aiosmtplib.SMTPException, OSError, TimeoutError, MissingSecretError) as exc:
            why = f"{type(exc).__name__}: {str(exc)[:200]}"
            log.warning("e-mail not sent", host=s.smtp_host, port=s.smtp_port, error=why)
            return Sent(ok=False, error=why, retry=True)
        return Sent(ok=True)
