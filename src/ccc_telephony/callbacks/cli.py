"""`ccc-telephony callbacks list|cancel`: the queue callbacks through the running service's API
(a cancel takes the placeholder out of Asterisk's queue, which only the service can do)."""

from __future__ import annotations

import argparse
from typing import Any

from ccc_telephony.config.settings import Settings
from ccc_telephony.web.client import api as _api
from ccc_telephony.web.client import failed as _failed
from ccc_telephony.web.client import show as _show


def register(sub: Any) -> None:
    callbacks = sub.add_parser("callbacks", help="callbacks instead of waiting in a queue")
    verbs = callbacks.add_subparsers(metavar="ACTION")
    listing = verbs.add_parser("list", help="callbacks still owed (or --state)")
    listing.add_argument("--state", default="open", help="open (default), all, or one state")
    listing.add_argument("--queue")
    listing.set_defaults(func=_list)
    cancel = verbs.add_parser("cancel", help="cancel a callback not yet dialled")
    cancel.add_argument("id", type=int)
    cancel.set_defaults(func=_cancel)


def _list(settings: Settings, args: argparse.Namespace) -> int:
    query = f"?state={args.state}" + (f"&queue={args.queue}" if args.queue else "")
    status, body = _api(settings, "GET", f"/api/v1/callbacks{query}")
    if status != 200:
        return _failed(status, body)
    for row in body["callbacks"]:
        print(
            f"{row['id']:>6} {row['state']:<10} {row['queue']:<10} {row['number']} "
            f"{row['language']:<4} joined {row['entered_at']} attempts {row['attempts']}"
        )
    return 0


def _cancel(settings: Settings, args: argparse.Namespace) -> int:
    return _show(*_api(settings, "POST", f"/api/v1/callbacks/{args.id}/cancel"))
