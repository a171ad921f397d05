"""`ccc-telephony wrapups missing`: the calls still without their wrap-up, from a terminal.

Through the running service's HTTP API (with the admin token): the service decides what is
past its wrap-up time by its clock.
"""

from __future__ import annotations

import argparse
from typing import Any
from urllib.parse import quote

from ccc_telephony.config.settings import Settings
from ccc_telephony.web.client import api, failed


def register(sub: Any) -> None:
    wrapups = sub.add_parser("wrapups", help="the contact log: wrap-ups agents still owe")
    verbs = wrapups.add_subparsers(metavar="ACTION")
    missing = verbs.add_parser("missing", help="contacts past their wrap-up time without one")
    missing.add_argument("--agent", help="only this agent's")
    missing.set_defaults(func=_missing)


def _missing(settings: Settings, args: argparse.Namespace) -> int:
    path = (
        "/api/v1/wrapups/missing"
        if args.agent is None
        else f"/api/v1/agents/{quote(args.agent, safe='')}/wrapups/missing"
    )
    status, body = api(settings, "GET", path)
    if status != 200:
        return failed(status, body)
    if not body["missing"]:
        print("(no wrap-up missing)")
    for row in body["missing"]:
        note = "  needs the abusive-call note" if row["abusive_note_required"] else ""
        print(f"{row['agent']}  call {row['call_id']}  due {row['due_at']}{note}")
    return 0
