"""Message waiting over AMI: a mailbox's counts published into Asterisk's own MWI core.

Debian's Asterisk has no res_mwi_external (ARI `/mailboxes`), and app_voicemail would keep
the messages in its spool where our due times, states and audit cannot follow them. So the
messages stay ours and only their counts go to Asterisk: AMI Originate runs app_minivm's
`MinivmMWI(<mailbox>@ccc,0,<new>,<old>)` on a short Local channel (its other half,
`ccc-mwi` in the dialplan, answers and waits to be hung up). res_pjsip_mwi then sends the
NOTIFY (message-summary) to every endpoint whose `mailboxes=` names the mailbox, and again to
a phone as it registers. Asterisk keeps the counts in memory only: after it restarts they are
published again (the mailboxes feature does it on every AMI login).
"""

from __future__ import annotations

import re

from ccc_telephony.asterisk.ami import Ami

CONTEXT = "ccc"  # the MWI "domain" of every mailbox: `<agent id>@ccc`
_MAILBOX = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,31}$")  # an agent id (config.agents.AgentId)


class MwiFailed(RuntimeError):
    """Asterisk refused to run the publication (its own message)."""


def mailbox_uri(mailbox: str) -> str:
    """The name Asterisk's MWI core and an endpoint's `mailboxes=` know the mailbox by."""
    if not _MAILBOX.fullmatch(mailbox):
        raise ValueError(f"not a mailbox name: {mailbox[:40]!r}")
    return f"{mailbox}@{CONTEXT}"


async def publish(ami: Ami, mailbox: str, *, new: int, old: int) -> None:
    """Counts as they are now (not a change): Asterisk replaces what it had."""
    if new < 0 or old < 0:
        raise ValueError("message counts are never negative")
    reply = await ami.action(
        {
            "Action": "Originate",
            "Channel": "Local/s@ccc-mwi/n",
            "Application": "MinivmMWI",
            "Data": f"{mailbox_uri(mailbox)},0,{new},{old}",
            "CallerID": "MWI <0>",
            "Timeout": "5000",
        }
    )
    if str(reply.get("Response", "")).lower() != "success":
        raise MwiFailed(str(reply.get("Message", "Originate refused"))[:200])
