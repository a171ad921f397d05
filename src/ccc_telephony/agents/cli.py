"""`ccc-telephony agents ...`: the roster and agents' states from a terminal.

State changes and roster edits go through the running service's HTTP API (with the admin
token), because the service applies them to Asterisk; issuing an API token for a person only
needs the database.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ccc_telephony.config.settings import Settings
from ccc_telephony.store import tokens
from ccc_telephony.store.engine import run_with_engine
from ccc_telephony.web.client import api as _api
from ccc_telephony.web.client import failed as _failed
from ccc_telephony.web.client import show as _show


def register(sub: Any) -> Any:
    """The `agents` verbs; returned, so that other packages add theirs (`agents password`)."""
    agents = sub.add_parser("agents", help="agents: roster, log in/out, states, API tokens")
    verbs = agents.add_subparsers(metavar="ACTION")
    verbs.add_parser("list", help="every agent and their state").set_defaults(func=_list)
    add = verbs.add_parser("add", help="add an agent to the roster")
    add.add_argument("id")
    add.add_argument("--name", required=True)
    add.add_argument("--extension", required=True)
    add.add_argument("--team", required=True, choices=["ebd", "family"])
    add.add_argument("--role", default="worker", choices=["worker", "lead", "supervisor"])
    add.add_argument("--languages", default="en", help="comma-separated codes, e.g. en,es")
    add.add_argument("--supervisor")
    add.add_argument("--protected-start", help="HH:MM, start of the daily protected time")
    add.add_argument("--hq-shift", help="leads: am or pm")
    add.add_argument("--email", help="where a supervisor is told of threats")
    add.set_defaults(func=_add)
    for verb, text in (
        ("login", "log an agent in (Ready, in their queues)"),
        ("logout", "log an agent out (after their call, if on one)"),
        ("ready", "make an agent Ready"),
    ):
        one = verbs.add_parser(verb, help=text)
        one.add_argument("id")
        one.set_defaults(func=_simple, verb=verb)
    not_ready = verbs.add_parser("not-ready", help="Not Ready with a reason")
    not_ready.add_argument("id")
    not_ready.add_argument("reason", help='e.g. "On Break"')
    not_ready.add_argument("--override", action="store_true", help="override the coverage guard")
    not_ready.set_defaults(func=_not_ready)
    token = verbs.add_parser(
        "token",
        help="API tokens: `token ID` issues one (printed once; the role is the roster's), "
        "`token revoke ID [--token N]` revokes the agent's tokens (or token N)",
    )
    token.add_argument("words", nargs="+", metavar="ID | revoke ID")
    token.add_argument("--token", type=int, dest="token_id", help="revoke only this token")
    token.set_defaults(func=_token)
    return verbs


def _list(settings: Settings, _: argparse.Namespace) -> int:
    status, body = _api(settings, "GET", "/api/v1/agents")
    if status != 200:
        return _failed(status, body)
    for agent in body["agents"]:
        print(
            f"{agent['id']:<16} {agent['extension']:>6} {agent['team']:<7} {agent['role']:<10} "
            + _state_line(agent)
        )
    return 0


def _state_line(agent: dict[str, Any]) -> str:
    if agent["seconds_in_state"] is None:
        return "never logged in"
    reason = f" ({agent['reason']})" if agent["reason"] else ""
    return f"{agent['state']}{reason} for {agent['seconds_in_state']} s"


def _add(settings: Settings, args: argparse.Namespace) -> int:
    body = {
        "id": args.id,
        "name": args.name,
        "extension": args.extension,
        "team": args.team,
        "role": args.role,
        "languages": [code.strip() for code in args.languages.split(",") if code.strip()],
        "supervisor": args.supervisor,
        "protected_start": args.protected_start,
        "hq_shift": args.hq_shift,
        "email": args.email,
    }
    return _show(*_api(settings, "POST", "/api/v1/agents", body))


def _simple(settings: Settings, args: argparse.Namespace) -> int:
    if args.verb == "ready":
        return _show(*_api(settings, "PUT", f"/api/v1/agents/{args.id}/state", {"state": "ready"}))
    return _show(*_api(settings, "POST", f"/api/v1/agents/{args.id}/{args.verb}"))


def _not_ready(settings: Settings, args: argparse.Namespace) -> int:
    body = {"state": "not_ready", "reason": args.reason, "override": args.override}
    return _show(*_api(settings, "PUT", f"/api/v1/agents/{args.id}/state", body))


def _token(settings: Settings, args: argparse.Namespace) -> int:
    match args.words:
        case ["revoke", agent_id]:
            return _revoke(settings, agent_id, args.token_id)
        case [agent_id] if agent_id != "revoke" and args.token_id is None:
            return _issue(settings, agent_id)
    print("usage: agents token ID | agents token revoke ID [--token N]", file=sys.stderr)
    return 2


def _issue(settings: Settings, agent_id: str) -> int:
    """Straight into the database: the service need not run. What the token may do is the
    agent's role in the roster whenever it is used."""
    try:
        issued = run_with_engine(settings.database_url, lambda e: tokens.issue(e, agent_id))
    except tokens.NotOnRoster:
        print(f"error: {agent_id!r} is not in the roster", file=sys.stderr)
        return 1
    print(f"token {issued.id} for {agent_id}", file=sys.stderr)
    print(issued.token)
    return 0


def _revoke(settings: Settings, agent_id: str, token_id: int | None) -> int:
    """Through the service, which then refuses the token at once; if it is not answering,
    in the database (a service running elsewhere refuses it within seconds)."""
    path = f"/api/v1/agents/{agent_id}/tokens" + ("" if token_id is None else f"/{token_id}")
    status, body = _api(settings, "DELETE", path)
    if status != 0:
        return _show(status, body)
    revoked = run_with_engine(
        settings.database_url,
        lambda e: tokens.revoke(e, agent_id, by="cli", token_id=token_id),
    )
    print(f"the service is not answering: revoked in the database: {revoked}", file=sys.stderr)
    return 0 if revoked or token_id is None else 1
