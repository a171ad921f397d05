"""`ccc-telephony escalations ...`: the Help lead's follow-ups from a terminal.

Through the running service's HTTP API (with the admin token): the service decides what is
overdue by its clock, and emits the call event of each answer.
"""

from __future__ import annotations

import argparse
from typing import Any
from urllib.parse import quote, urlencode

from ccc_telephony.config.settings import Settings
from ccc_telephony.escalations.rules import LISTINGS
from ccc_telephony.web.client import api, failed, show


def register(sub: Any) -> None:
    escalations = sub.add_parser("escalations", help="follow-ups the Help lead owes workers")
    verbs = escalations.add_subparsers(metavar="ACTION")
    listing = verbs.add_parser("list", help="follow-ups, soonest due first")
    which = listing.add_mutually_exclusive_group()
    which.add_argument("--overdue", action="store_true", help="due and not answered yet")
    which.add_argument("--status", choices=[s for s in LISTINGS if s != "overdue"])
    listing.add_argument("--agent", help="escalated by this agent")
    listing.add_argument("--lead", help="answered by this lead")
    listing.set_defaults(func=_list)
    for verb, status, text in (
        ("resolve", "resolved", "the worker has the answer (a note is required)"),
        ("researching", "researching", "tell the worker it is still being researched"),
    ):
        answer = verbs.add_parser(verb, help=text)
        answer.add_argument("id")
        answer.add_argument("--note", required=status == "resolved")
        answer.set_defaults(func=_answer, status=status)


def _list(settings: Settings, args: argparse.Namespace) -> int:
    query = {
        "status": "overdue" if args.overdue else args.status,
        "agent": args.agent,
        "lead": args.lead,
    }
    given = urlencode({key: value for key, value in query.items() if value})
    status, body = api(settings, "GET", "/api/v1/escalations" + (f"?{given}" if given else ""))
    if status != 200:
        return failed(status, body)
    if not body["escalations"]:
        print("(no follow-ups)")
    for row in body["escalations"]:
        overdue = " OVERDUE" if row["overdue"] else ""
        print(
            f"{row['id']}  due {row['due_at']}  {row['status']}{overdue}  "
            f"agent {row['agent']}  lead {row['lead'] or '-'}  {row['reason']}"
        )
    return 0


def _answer(settings: Settings, args: argparse.Namespace) -> int:
    body = {"status": args.status, "note": args.note}
    return show(*api(settings, "PUT", f"/api/v1/escalations/{quote(args.id, safe='')}", body))
