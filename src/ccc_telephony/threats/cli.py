"""`ccc-telephony threats ...`: threat records and the supervisor's decision, from a terminal.

Through the running service's HTTP API (with the admin token): every look is audited as the
admin's, like one through the API.
"""

from __future__ import annotations

import argparse
from typing import Any
from urllib.parse import quote

from ccc_telephony.config.settings import Settings
from ccc_telephony.web.client import api, failed, show


def register(sub: Any) -> None:
    threats = sub.add_parser("threats", help="threats flagged on calls, and their decisions")
    verbs = threats.add_subparsers(metavar="ACTION")
    verbs.add_parser("list", help="threat records, newest first").set_defaults(func=_list)
    one = verbs.add_parser("show", help="one record, with the agent's account")
    one.add_argument("id")
    one.set_defaults(func=_show)
    decide = verbs.add_parser("decide", help="record whether it went to law enforcement")
    decide.add_argument("id")
    decide.add_argument("--reported", required=True, choices=["yes", "no"])
    decide.add_argument("--notes")
    decide.set_defaults(func=_decide)


def _list(settings: Settings, _: argparse.Namespace) -> int:
    status, body = api(settings, "GET", "/api/v1/threats")
    if status != 200:
        return failed(status, body)
    if not body["threats"]:
        print("(no threats)")
    for row in body["threats"]:
        decided = "undecided" if row["decision"] is None else _decision(row["decision"])
        print(
            f"{row['id']}  {row['flagged_at']}  call {row['call_id']}  "
            f"case {row['case_number'] or '-'}  agent {row['agent']}  {decided}"
        )
    return 0


def _decision(decision: dict[str, Any]) -> str:
    reported = decision["reported_to_law_enforcement"]
    return f"{'reported' if reported else 'not reported'} ({decision['decided_by']})"


def _show(settings: Settings, args: argparse.Namespace) -> int:
    return show(*api(settings, "GET", f"/api/v1/threats/{quote(args.id, safe='')}"))


def _decide(settings: Settings, args: argparse.Namespace) -> int:
    body = {"reported_to_law_enforcement": args.reported == "yes", "notes": args.notes}
    path = f"/api/v1/threats/{quote(args.id, safe='')}/decision"
    return show(*api(settings, "PUT", path, body))
