"""What a report page offers whom: an agent their own agent report, a lead their unit, the
admin everyone; names from the roster escaped into the page."""

from __future__ import annotations

from ccc_telephony.config.agents import RosterAgent
from ccc_telephony.reports.pages import _agents, _nav, _select
from ccc_telephony.web.auth import ADMIN
from tests.unit.staff import ROSTER, principal


def test_an_agent_is_offered_their_own_agent_report_only() -> None:
    nav = _nav("agents", principal("bob"))
    assert 'href="/reports/agents" aria-current="page"' in nav
    assert "/reports/interval" not in nav and "/reports/abandoned" not in nav
    assert _agents(principal("bob"), ROSTER) == [("bob", "Bob (bob)")]


def test_a_lead_is_offered_every_report_and_their_unit() -> None:
    nav = _nav("interval", principal("boss"))
    for name in ("interval", "abandoned", "agents", "first-contact", "promises"):
        assert f'href="/reports/{name}"' in nav
    offered = [agent for agent, _ in _agents(principal("boss"), ROSTER)]
    assert offered[0] == "" and {"ann", "cy", "boss"} <= set(offered)
    assert "dee" not in offered


def test_the_admin_is_offered_everyone() -> None:
    assert {a for a, _ in _agents(ADMIN, ROSTER)} == {"", *ROSTER}


def test_names_are_escaped_into_the_page() -> None:
    odd = RosterAgent(id="x1", name="<b>Eve</b>", extension="3999", team="ebd")
    markup = _select("agent", "Agent", _agents(ADMIN, {"x1": odd}))
    assert "<b>" not in markup and "&lt;b&gt;Eve&lt;/b&gt;" in markup
