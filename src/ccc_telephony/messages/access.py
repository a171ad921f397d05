"""Who may handle a message (see it, listen to it, return it, take it over).

The standard: management can reach an absent employee's voicemail so that someone returns
those calls. So besides the owner and the mailbox's agent: their supervisors, the people a
supervisor delegated the mailbox to, and for a main-number message left after hours the leads
and supervisors of the team whose queue the caller chose. The admin may handle any.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from ccc_telephony.config.agents import RosterAgent, supervisors_of
from ccc_telephony.config.policy import Policy
from ccc_telephony.store.messages import MessageRow
from ccc_telephony.web.auth import Principal


def may_handle(
    principal: Principal,
    message: MessageRow,
    roster: Mapping[str, RosterAgent],
    *,
    delegates: Collection[str] = (),
    policy: Policy,
) -> bool:
    if principal.is_admin:
        return True
    me = principal.agent_id
    if me is None:
        return False
    if me in (message.owner, message.mailbox) or me in delegates:
        return True
    if message.source == "after_hours" and message.owner is None:
        return _heads_queue(roster.get(me), message.queue, policy)
    return any(
        me in {head.id for head in supervisors_of(roster[person], roster)}
        for person in (message.owner, message.mailbox)
        if person and person in roster
    )


def _heads_queue(agent: RosterAgent | None, queue: str | None, policy: Policy) -> bool:
    if agent is None or agent.role not in ("lead", "supervisor"):
        return False
    return policy.agents.team_queues.get(agent.team) == queue
