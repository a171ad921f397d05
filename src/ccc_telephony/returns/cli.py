"""`ccc-telephony messages list|show|unreturned|return|take|mark`: messages from a terminal.

Through the running service's HTTP API (with the admin token): the service decides what is due
by its clock, and a return call rings the named agent's phone.
"""

from __future__ import annotations

import argparse
from typing import Any
from urllib.parse import urlencode

from ccc_telephony.config.settings import Settings
from ccc_telephony.web.client import api, failed

PATH = "/api/v1/messages"


def register(sub: Any) -> None:
    messages = sub.add_parser("messages", help="messages left for a return call")
    verbs = messages.add_subparsers(metavar="ACTION")
    listing = verbs.add_parser("list", help="messages, oldest due first")
    listing.add_argument("--mailbox", help="only this mailbox's (an agent id)")
    listing.add_argument("--owner", help="only those this agent must return")
    listing.add_argument("--state", help="new, heard, returning, returned, unreachable or open")
    listing.add_argument("--overdue", action="store_true", help="only open ones past due")
    listing.set_defaults(func=_list)
    show = verbs.add_parser("show", help="one message and who did what when")
    show.add_argument("id", type=int)
    show.set_defaults(func=_show)
    verbs.add_parser("unreturned", help="the day's list: not yet returned").set_defaults(
        func=_unreturned
    )
    back = verbs.add_parser("return", help="call the caller back from an agent's phone")
    back.add_argument("id", type=int)
    back.add_argument("--agent", required=True, help="whose phone rings first")
    back.set_defaults(func=_return)
    take = verbs.add_parser("take", help="take a message over: its owner becomes the agent")
    take.add_argument("id", type=int)
    take.add_argument("--agent", required=True, help="who returns it from now on")
    take.set_defaults(func=_take)
    mark = verbs.add_parser("mark", help="returned or unreachable by hand, with a note")
    mark.add_argument("id", type=int)
    mark.add_argument("state", choices=["returned", "unreachable"])
    mark.add_argument("--note", help="why (never an SSN)")
    mark.set_defaults(func=_mark)


def _list(settings: Settings, args: argparse.Namespace) -> int:
    query = {
        key: value
        for key, value in (("mailbox", args.mailbox), ("owner", args.owner), ("state", args.state))
        if value is not None
    }
    if args.overdue:
        query["overdue"] = "true"
    suffix = f"?{urlencode(query)}" if query else ""
    return _print_list(settings, PATH + suffix)


def _unreturned(settings: Settings, _: argparse.Namespace) -> int:
    return _print_list(settings, PATH + "/unreturned")


def _print_list(settings: Settings, path: str) -> int:
    """Every page of the list, in order."""
    offset: int | None = 0
    shown = 0
    while offset is not None:
        joiner = "&" if "?" in path else "?"
        status, body = api(settings, "GET", f"{path}{joiner}offset={offset}")
        if status != 200:
            return failed(status, body)
        for m in body["messages"]:
            print(_line(m))
        shown += len(body["messages"])
        offset = body.get("next_offset")
    if not shown:
        print("(no messages)")
    return 0


def _line(m: dict[str, Any]) -> str:
    where = f"mailbox {m['mailbox']}" if m["mailbox"] else f"after hours ({m['queue']})"
    flags = "  OVERDUE" if m.get("overdue") else ""
    if m.get("warned_at"):
        flags += f"  warned {m['warned_at']}"
    return (
        f"#{m['id']}  {where}  owner {m['owner'] or '-'}  caller {m['caller_number'] or '-'}  "
        f"due {m['due_at']}  {m['state']}  attempts {m['attempts']}{flags}"
    )


def _show(settings: Settings, args: argparse.Namespace) -> int:
    status, body = api(settings, "GET", f"{PATH}/{args.id}")
    if status != 200:
        return failed(status, body)
    print(_line(body))
    print(
        f"received {body['received_at']}  language {body['language']}  "
        f"case {body['case_number'] or '-'}"
    )
    for step in body["history"]:
        print(f"  {step['at']}  {step['who']}  {step['action']}")
    return 0


def _return(settings: Settings, args: argparse.Namespace) -> int:
    status, body = api(settings, "POST", f"{PATH}/{args.id}/return", {"agent": args.agent})
    if status != 202:
        return failed(status, body)
    print(f"ringing {body['agent']}'s phone; then {body['number']} (attempt {body['attempt']})")
    return 0


def _take(settings: Settings, args: argparse.Namespace) -> int:
    reply = _posted(settings, f"{PATH}/{args.id}/take-over", {"agent": args.agent})
    if reply is not None:
        print(f"#{reply['id']} now {reply['owner']}'s to return (due {reply['due_at']})")
    return 0 if reply is not None else 1


def _mark(settings: Settings, args: argparse.Namespace) -> int:
    reply = _posted(settings, f"{PATH}/{args.id}/state", {"state": args.state, "note": args.note})
    if reply is not None:
        print(f"#{reply['id']} {reply['state']}")
    return 0 if reply is not None else 1


def _posted(settings: Settings, path: str, body: dict[str, Any]) -> dict[str, Any] | None:
    """The changed message, or None once the refusal is printed."""
    status, reply = api(settings, "POST", path, body)
    if status != 200:
        failed(status, reply)
        return None
    return dict(reply)
