"""What the sandbox's mail catcher (a real aiosmtpd, devstack/mail.py) received: every message
it accepted is a file in its Maildir before it answers the service's SMTP client."""

from __future__ import annotations

import mailbox
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path


def received(maildir: Path, subject_contains: str) -> list[EmailMessage]:
    """Messages whose subject holds `subject_contains`, oldest first."""
    box = mailbox.Maildir(maildir, factory=None, create=False)
    found = []
    for key in sorted(box.keys()):
        with box.get_file(key) as handle:
            message = _parse(handle.read())
        if subject_contains in str(message["Subject"]):
            found.append(message)
    return found


def _parse(raw: bytes) -> EmailMessage:
    parsed = message_from_bytes(raw, policy=default)
    assert isinstance(parsed, EmailMessage)
    return parsed
