"""`ccc-telephony agents ...`: the roster and agents' states from a terminal.

State changes and roster edits go through the running service's HTTP API (with the admin
token), because the service applies them to Asterisk; issuing an API token for a person only
needs the database.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

import aiohttp

from ccc_telephony.config.settings import Settings
from ccc_telephony.store import tokens
from ccc_telephony.store.engine import run_with_engine


def register(sub: Any) -> None:
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
    token = verbs.add_parser("token", help="issue an API token for an agent (printed once)")
    token.add_argument("id")
    token.add_argument("--role", default="agent", choices=["agent", "lead", "supervisor"])
    token.set_defaults(func=_token)


def _list(settings: Settings, _: argparse.Namespace) -> int:
    status, body = _api(settings, "GET", "/api/v1/agents")
    if status != 200:
        return _failed(status, body)
    for agent in body["agents"]:
        reason = f" ({agent['reason']})" if agent["reason"] else ""
        print(
            f"{agent['id']:<16} {agent['extension']:>6} {agent['team']:<7} {agent['role']:<10} "
            f"{agent['state']}{reason} for {agent['seconds_in_state']} s"
        )
    return 0


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
    token = run_with_engine(
        settings.database_url,
        lambda engine: tokens.issue(engine, user_name=args.id, role=args.role, agent_id=args.id),
    )
    print(token)
    return 0


def _api(settings: Settings, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    token = settings.secret("admin-token").get_secret_value()
    url = f"http://{settings.http_host}:{settings.http_port}{path}"

    async def call() -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"}
        async with (
            aiohttp.ClientSession() as http,
            http.request(method, url, json=body, headers=headers) as reply,
        ):
            return reply.status, await reply.json(content_type=None)

    try:
        return asyncio.run(call())
    except aiohttp.ClientError as exc:
        return 0, {"error": "the service is not answering", "detail": str(exc)}


def _show(status: int, body: Any) -> int:
    if status >= 300 or status == 0:
        return _failed(status, body)
    print(json.dumps(body, indent=2))
    return 0


def _failed(status: int, body: Any) -> int:
    detail = body.get("detail") or body.get("error") if isinstance(body, dict) else body
    print(f"error ({status}): {detail}", file=sys.stderr)
    return 1
