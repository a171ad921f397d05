"""`ccc-telephony mailboxes list|flagged|away|delegate|keep-greeting|disconnect`: staff
mailboxes from a terminal.

Through the running service's HTTP API (with the admin token): the service judges flags by its
clock, audits every change, and a disconnected number stops answering at once.
"""

from __future__ import annotations

import argparse
from typing import Any
from urllib.parse import quote

from ccc_telephony.config.settings import Settings
from ccc_telephony.web.client import api, failed

PATH = "/api/v1/mailboxes"


def register(sub: Any) -> None:
    mailboxes = sub.add_parser("mailboxes", help="staff mailboxes: greetings, away, management")
    verbs = mailboxes.add_subparsers(metavar="ACTION")
    verbs.add_parser("list", help="every mailbox, its greetings, away and flag").set_defaults(
        func=_list
    )
    verbs.add_parser("flagged", help="missing greetings, passed away dates").set_defaults(
        func=_flagged
    )
    away = verbs.add_parser("away", help="away until a moment (the away greeting), or back")
    away.add_argument("id", help="the mailbox (agent id)")
    when = away.add_mutually_exclusive_group(required=True)
    when.add_argument("--until", help="ISO moment with its offset, e.g. 2026-12-14T08:00-06:00")
    when.add_argument("--back", action="store_true", help="clear the away status")
    away.set_defaults(func=_away)
    delegate = verbs.add_parser("delegate", help="name (or remove) who may handle its messages")
    delegate.add_argument("id", help="the mailbox (agent id)")
    delegate.add_argument("agent", help="the delegate (an agent in the roster)")
    delegate.add_argument("--remove", action="store_true")
    delegate.set_defaults(func=_delegate)
    keep = verbs.add_parser(
        "keep-greeting", help="a departed agent's callers hear their recorded greeting, or not"
    )
    keep.add_argument("id", help="the mailbox (agent id)")
    keep.add_argument("keep", choices=["yes", "no"])
    keep.set_defaults(func=_keep_greeting)
    disconnect = verbs.add_parser("disconnect", help="a departed agent's mailbox stops answering")
    disconnect.add_argument("id", help="the mailbox (agent id)")
    disconnect.set_defaults(func=_disconnect)


def _list(settings: Settings, _: argparse.Namespace) -> int:
    status, body = api(settings, "GET", PATH)
    if status != 200:
        return failed(status, body)
    if not body["mailboxes"]:
        print("(no mailboxes)")
    for m in body["mailboxes"]:
        print(_line(m))
    return 0


def _line(m: dict[str, Any]) -> str:
    recorded = [kind for kind, present in m["greetings"].items() if present]
    away = f"away until {m['away_until']}" if m["away"] else "in office"
    delegates = ",".join(m["delegates"]) or "-"
    return (
        f"{m['id']}  {m['name']}  {m['direct_number']}  {m['state']}  "
        f"greetings {','.join(recorded) or 'none (spoken)'}  {away}  flag {m['flag'] or '-'}  "
        f"delegates {delegates}"
    )


def _flagged(settings: Settings, _: argparse.Namespace) -> int:
    status, body = api(settings, "GET", PATH + "/flagged")
    if status != 200:
        return failed(status, body)
    if not body["flagged"]:
        print("(none flagged)")
    for f in body["flagged"]:
        until = f"  away until {f['away_until']}" if f["away_until"] else ""
        print(f"{f['mailbox']}  {f['flag']}{until}")
    return 0


def _away(settings: Settings, args: argparse.Namespace) -> int:
    body = {"until": None if args.back else args.until}
    return _changed(settings, "PUT", f"{PATH}/{_q(args.id)}/away", body)


def _delegate(settings: Settings, args: argparse.Namespace) -> int:
    method = "DELETE" if args.remove else "PUT"
    return _changed(settings, method, f"{PATH}/{_q(args.id)}/delegates/{_q(args.agent)}")


def _keep_greeting(settings: Settings, args: argparse.Namespace) -> int:
    body = {"keep": args.keep == "yes"}
    return _changed(settings, "PUT", f"{PATH}/{_q(args.id)}/keep-greeting", body)


def _disconnect(settings: Settings, args: argparse.Namespace) -> int:
    return _changed(settings, "POST", f"{PATH}/{_q(args.id)}/disconnect")


def _changed(settings: Settings, method: str, path: str, body: Any = None) -> int:
    """The change through the API; the mailbox as it is now."""
    status, reply = api(settings, method, path, body)
    if status != 200:
        return failed(status, reply)
    print(_line(reply))
    return 0


def _q(part: str) -> str:
    """One path segment, whatever was typed (the service checks the id itself)."""
    return quote(part, safe="")
