"""Confidential cases on real calls: the threats' fixtures (agents with SIPp phones, staff
without phones with their tokens, the live feed's address, the mail catcher's Maildir)."""

from __future__ import annotations

from tests.integration.threats.conftest import api, base, maildir, phones, staff, token_of

__all__ = ["api", "base", "maildir", "phones", "staff", "token_of"]
