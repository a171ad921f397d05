"""A small roster for rules that decide who sees what, and each person's API principal."""

from __future__ import annotations

from ccc_telephony.agents.access import API_ROLES
from ccc_telephony.config.agents import RosterAgent
from ccc_telephony.web.auth import Principal

# Two supervisors and a lead of EBD, Family's supervisor; Ann (EBD) names Boss as her
# supervisor, Cy (Family) too; Bob (EBD) and Dee (Family) name nobody.
ROSTER = {
    a.id: a
    for a in (
        RosterAgent(id="boss", name="Boss", extension="3001", team="ebd", role="supervisor"),
        RosterAgent(id="boss2", name="Boss Two", extension="3002", team="ebd", role="supervisor"),
        RosterAgent(id="lead", name="Lead", extension="3003", team="ebd", role="lead"),
        RosterAgent(id="fam", name="Fam", extension="3004", team="family", role="supervisor"),
        RosterAgent(id="ann", name="Ann Lee", extension="3005", team="ebd", supervisor="boss"),
        RosterAgent(id="bob", name="Bob", extension="3006", team="ebd"),
        RosterAgent(id="cy", name="Cy", extension="3007", team="family", supervisor="boss"),
        RosterAgent(id="dee", name="Dee", extension="3008", team="family"),
    )
}


def principal(agent_id: str) -> Principal:
    agent = ROSTER[agent_id]
    return Principal(name=agent.id, role=API_ROLES[agent.role], agent_id=agent.id, token_id=1)
