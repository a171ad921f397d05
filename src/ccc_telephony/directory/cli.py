"""`ccc-telephony directory ...`: the consortia's numbers and the transfer allow-list.

Every verb goes through the running service's HTTP API with the admin token: the service
validates and audits the change and the snapshot its calls read follows at once.
"""

from __future__ import annotations

import argparse
from typing import Any
from urllib.parse import quote

from ccc_telephony.config.settings import Settings
from ccc_telephony.web.client import api, failed, show

PREFIX = "/api/v1/directory"


def register(sub: Any) -> None:
    directory = sub.add_parser(
        "directory", help="consortium directory: numbers, transfer allow-list"
    )
    verbs = directory.add_subparsers(metavar="ACTION")
    verbs.add_parser("list", help="every consortium, its counties and numbers").set_defaults(
        func=_list
    )
    numbers = verbs.add_parser("numbers", help="every number of one consortium")
    numbers.add_argument("consortium")
    numbers.set_defaults(func=_numbers)
    add = verbs.add_parser("add-number", help="a number that belongs to a consortium")
    add.add_argument("consortium")
    add.add_argument("number", help="any form, e.g. 920-555-0142")
    add.add_argument("--label", required=True, help='e.g. "Brown County agency"')
    add.set_defaults(func=_add_number)
    remove = verbs.add_parser("remove-number", help="a number that no longer belongs to it")
    remove.add_argument("consortium")
    remove.add_argument("number")
    remove.set_defaults(func=_remove_number)
    allow = verbs.add_parser("allow", help="let agents transfer callers to an outside number")
    allow.add_argument("number")
    allow.add_argument("--label", required=True, help='e.g. "Legal aid"')
    allow.set_defaults(func=_allow)
    disallow = verbs.add_parser("disallow", help="take a number off the allow-list")
    disallow.add_argument("number")
    disallow.set_defaults(func=_disallow)
    verbs.add_parser("allowed", help="the allow-list").set_defaults(func=_allowed)


def _list(settings: Settings, _: argparse.Namespace) -> int:
    status, body = api(settings, "GET", f"{PREFIX}/consortia")
    if status != 200:
        return failed(status, body)
    for c in body["consortia"]:
        home = " (home)" if c["home"] else ""
        others = len(c["numbers"])
        print(f"{c['id']:<16} {c['phone']}  +{others} numbers  {c['name']}{home}")
        print(f"{'':<16} counties: {', '.join(c['counties']) or '-'}")
    return 0


def _numbers(settings: Settings, args: argparse.Namespace) -> int:
    status, body = api(settings, "GET", f"{PREFIX}/consortia/{_path(args.consortium)}")
    if status != 200:
        return failed(status, body)
    print(f"{body['phone']}  main number of {body['name']}")
    for entry in body["numbers"]:
        print(f"{entry['number']}  {entry['label']}")
    return 0


def _add_number(settings: Settings, args: argparse.Namespace) -> int:
    path = f"{PREFIX}/consortia/{_path(args.consortium)}/numbers"
    return show(*api(settings, "POST", path, {"number": args.number, "label": args.label}))


def _remove_number(settings: Settings, args: argparse.Namespace) -> int:
    path = f"{PREFIX}/consortia/{_path(args.consortium)}/numbers/{_path(args.number)}"
    return show(*api(settings, "DELETE", path))


def _allow(settings: Settings, args: argparse.Namespace) -> int:
    body = {"number": args.number, "label": args.label}
    return show(*api(settings, "POST", f"{PREFIX}/allowed", body))


def _disallow(settings: Settings, args: argparse.Namespace) -> int:
    return show(*api(settings, "DELETE", f"{PREFIX}/allowed/{_path(args.number)}"))


def _allowed(settings: Settings, _: argparse.Namespace) -> int:
    status, body = api(settings, "GET", f"{PREFIX}/allowed")
    if status != 200:
        return failed(status, body)
    for entry in body["allowed"]:
        print(f"{entry['number']}  {entry['label']}")
    if not body["allowed"]:
        print("(none: every outside number is denied)")
    return 0


def _path(text: str) -> str:
    """One path segment, whatever the admin typed (`/`, `+`, spaces)."""
    return quote(text, safe="")
