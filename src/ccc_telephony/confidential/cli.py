"""`ccc-telephony confidential ...`: confidential cases' call-back tasks, from a terminal.

Through the running service's HTTP API (with the admin token): every look is audited as the
admin's, like one through the API.
"""

from __future__ import annotations

import argparse
from typing import Any
from urllib.parse import quote, urlencode

from ccc_telephony.config.settings import Settings
from ccc_telephony.web.client import api, failed, show


def register(sub: Any) -> None:
    confidential = sub.add_parser("confidential", help="confidential cases' call backs owed")
    verbs = confidential.add_subparsers(metavar="ACTION")
    listing = verbs.add_parser("list", help="tasks, soonest due first")
    listing.add_argument("--state", choices=["owed", "returning", "done", "unreachable"])
    listing.add_argument("--overdue", action="store_true", help="only those past due")
    listing.set_defaults(func=_list)
    one = verbs.add_parser("show", help="one task, with who did what when")
    one.add_argument("id")
    one.set_defaults(func=_show)
    reassign = verbs.add_parser("reassign", help="give a told task to another worker")
    reassign.add_argument("id")
    reassign.add_argument("--to", required=True, metavar="WORKER", help="the roster id")
    reassign.add_argument("--note")
    reassign.set_defaults(func=_reassign)
    done = verbs.add_parser("done", help="the caller was called back")
    done.add_argument("id")
    done.add_argument("--note")
    done.set_defaults(func=_done)


def _list(settings: Settings, args: argparse.Namespace) -> int:
    query = {"state": args.state, "overdue": "true" if args.overdue else None}
    given = urlencode({key: value for key, value in query.items() if value is not None})
    status, body = api(settings, "GET", "/api/v1/confidential" + (f"?{given}" if given else ""))
    if status != 200:
        return failed(status, body)
    if not body["tasks"]:
        print("(no confidential tasks)")
    for row in body["tasks"]:
        flag = "  OVERDUE" if row["overdue"] else ""
        gaps = f"  missing {','.join(row['missing'])}" if row["missing"] else ""
        print(
            f"{row['id']}  due {row['due_at'] or '-'}  worker {row['worker'] or '-'}  "
            f"case {row['case_number'] or '-'}  {row['state']}  attempts {row['attempts']}"
            f"{flag}{gaps}"
        )
    return 0


def _show(settings: Settings, args: argparse.Namespace) -> int:
    return show(*api(settings, "GET", f"/api/v1/confidential/{quote(args.id, safe='')}"))


def _reassign(settings: Settings, args: argparse.Namespace) -> int:
    path = f"/api/v1/confidential/{quote(args.id, safe='')}/reassign"
    return show(*api(settings, "POST", path, {"worker_id": args.to, "note": args.note}))


def _done(settings: Settings, args: argparse.Namespace) -> int:
    path = f"/api/v1/confidential/{quote(args.id, safe='')}/done"
    return show(*api(settings, "POST", path, {"note": args.note}))
