"""Who may see telephonic signatures. A signature is a legal record of a caller's consent:
every member of staff may find one (list by case number or call, see its record, the words
of its script), so that an agent can tell that a case has its signature; its audio is for
the agent who took it, leads, supervisors and the admin only. Every look, refusals included,
is audited (signature_access)."""

from __future__ import annotations

from ccc_telephony.store.signatures import SignatureRow
from ccc_telephony.web.auth import Principal


def may_hear(principal: Principal, row: SignatureRow) -> bool:
    """The audio: the capturing agent, any lead or supervisor, the admin."""
    if principal.is_admin or principal.role in ("lead", "supervisor"):
        return True
    return principal.agent_id is not None and principal.agent_id == row.agent_id
