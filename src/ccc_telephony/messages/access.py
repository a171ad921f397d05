"""Who may handle a message (see it, listen to it, return it, take it over).

The standard: management can reach an absent employee's voicemail so that someone returns
those calls. So besides the owner and the mailbox's agent: their supervisors, the people a
supervisor delegated the mailbox to, and for a main-number message left after hours that
nobody took yet, the heads of its queue (`queue_heads`). The admin may handle any.

One rule, in two forms: `may_handle` for one message, `reach_of` for a list (the database
filters by it before its limit, so a page is never short of what the reader may see). The same
`queue_heads` also decides who hears of an after-hours message live (MessageBook.audience) and
whose end-of-day list it is on (returns/rules.py).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from ccc_telephony.config.agents import RosterAgent, Team, supervisors_of
from ccc_telephony.config.policy import Policy
from ccc_telephony.store.messages import MessageRow, Reach
from ccc_telephony.web.auth import Principal

HEAD_ROLES = ("lead", "supervisor")


def queue_heads(
    queue: str | None, roster: Mapping[str, RosterAgent], team_queues: Mapping[Team, str]
) -> list[RosterAgent]:
    """Who answers for an after-hours message nobody took yet: the leads and supervisors of
    the team whose queue the caller chose. The operator queue is everyone's (a caller who chose
    nothing, pressed 0, or speaks a language without prompts), and so is a queue that is no
    team's or none at all (the old callback requests moved by migration 0012): every lead and
    supervisor. A team without any heads in the roster falls back to everyone's too: a message
    is never nobody's."""
    heads = [agent for agent in roster.values() if agent.role in HEAD_ROLES]
    teams = {team for team, name in team_queues.items() if name == queue}
    return [head for head in heads if head.team in teams] or heads


def may_handle(
    principal: Principal,
    message: MessageRow,
    roster: Mapping[str, RosterAgent],
    *,
    delegates: Collection[str] = (),
    policy: Policy,
) -> bool:
    """`delegates`: those a supervisor named for the message's mailbox."""
    reach = reach_of(principal, roster, policy)
    return reach is None or reach.covers(message, delegates)


def reach_of(
    principal: Principal, roster: Mapping[str, RosterAgent], policy: Policy
) -> Reach | None:
    """The messages `principal` may handle; None: every message (the admin)."""
    if principal.is_admin:
        return None
    me = principal.agent_id
    if me is None:
        return Reach(people=frozenset())
    staff = {
        agent.id
        for agent in roster.values()
        if me in {head.id for head in supervisors_of(agent, roster)}
    }
    team_queues = policy.agents.team_queues
    heads_queue = {
        queue
        for queue in team_queues.values()
        if me in {head.id for head in queue_heads(queue, roster, team_queues)}
    }
    everyones = me in {head.id for head in queue_heads(None, roster, team_queues)}
    return Reach(
        people=frozenset({me} | staff),
        delegate=me,
        queues=frozenset(heads_queue),
        elsewhere=everyones,
        team_queues=frozenset(team_queues.values()),
    )
