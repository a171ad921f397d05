"""Who may see and change a threat record, and what its notice says. Pure: the caller supplies
the roster and the moment.

The standard: a threat is reported to the supervisor at once, written down as close to word
for word as possible, and may go to law enforcement. Access is the agent's, their
supervisor's and the admin's, nobody else's (not the agent's leads: a threat record is not a
team matter).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from ccc_telephony.config.agents import RosterAgent, supervisors_of
from ccc_telephony.store.threats import ThreatRow
from ccc_telephony.web.auth import Principal

ACCOUNT_MAX_CHARS = 10_000
NOTES_MAX_CHARS = 2_000


class NotYours(PermissionError):
    """The principal may not do this with this threat (403)."""


class AlreadyDecided(Exception):
    """The supervisor decided: the record is closed to changes (409)."""


@dataclass(frozen=True, slots=True)
class Reader:
    """What one principal may do with threat records."""

    principal: Principal
    roster: Mapping[str, RosterAgent]

    @property
    def me(self) -> str | None:
        return self.principal.agent_id

    def supervises(self, threat: ThreatRow) -> bool:
        """Told of it when it was flagged, or the agent's supervisor now."""
        if self.me is None or self.me == threat.agent_id:
            return False
        if self.me in threat.supervisor_ids:
            return True
        agent = self.roster.get(threat.agent_id)
        return agent is not None and any(
            s.id == self.me for s in supervisors_of(agent, self.roster)
        )

    def sees(self, threat: ThreatRow) -> bool:
        return self.principal.is_admin or self.me == threat.agent_id or self.supervises(threat)

    def may_write_account(self, threat: ThreatRow) -> bool:
        """The words are the agent's own: only they write them."""
        return self.me is not None and self.me == threat.agent_id

    def may_decide(self, threat: ThreatRow) -> bool:
        return self.principal.is_admin or self.supervises(threat)

    def supervised(self) -> frozenset[str] | None:
        """Whose threats a listing holds: None for the admin (everyone's), else the
        principal's own and those of the agents they supervise now."""
        if self.principal.is_admin:
            return None
        me = self.me
        if me is None:
            return frozenset()
        theirs = {
            agent.id
            for agent in self.roster.values()
            if any(s.id == me for s in supervisors_of(agent, self.roster))
        }
        return frozenset({me, *theirs})


def notice(threat: ThreatRow, agent: RosterAgent | None, zone: ZoneInfo) -> tuple[str, str]:
    """The supervisor's e-mail: subject and body. Only the call id and case number of the
    call (the standard: no SSN, no case details), and who flagged it when. Not the record's
    id: a random id can hold nine digits in a row, which the mailer refuses as an SSN."""
    who = f"{agent.name} ({agent.id})" if agent is not None else threat.agent_id
    case = threat.case_number or "not known"
    subject = f"Threat reported on call {threat.call_id}"
    body = "\n".join(
        [
            f"{who} reported a threat on a call at {_local(threat.flagged_at, zone)}.",
            "",
            f"Call id: {threat.call_id}",
            f"Case number: {case}",
            "",
            "The agent is writing down the words said. Record your decision on reporting it",
            "to law enforcement in the call's threat record (GET /api/v1/threats).",
        ]
    )
    return subject, body


def _local(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")
