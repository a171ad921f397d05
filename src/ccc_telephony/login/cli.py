"""`ccc-telephony agents password ID`: set a person's web password from a terminal.

The password is read from the terminal (asked twice) or, when input is not a terminal, from
the first line of standard input; never from an argument, which other users see in the
process list and shells keep in their history. Straight into the database: the service need
not run (one that is running refuses the person's old sessions within seconds).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import UTC, datetime
from typing import Any

from ccc_telephony.config.settings import Settings
from ccc_telephony.login import passwords
from ccc_telephony.store import web_login
from ccc_telephony.store.engine import run_with_engine


def register(agents_verbs: Any) -> None:
    password = agents_verbs.add_parser(
        "password",
        help="set an agent's web password (asked for, or the first line of standard input)",
    )
    password.add_argument("id")
    password.add_argument("--by", default="cli", help="who set it, for the record")
    password.set_defaults(func=_set)


def _set(settings: Settings, args: argparse.Namespace) -> int:
    password = _read_password()
    if password is None:
        print("error: the two passwords differ", file=sys.stderr)
        return 1
    try:
        hashed = passwords.hash_password(password)
    except passwords.UnfitPassword as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    at = datetime.now(UTC)
    try:
        run_with_engine(
            settings.database_url,
            lambda e: web_login.set_password(e, args.id, hashed, by=args.by, at=at),
        )
    except web_login.NotOnRoster:
        print(f"error: {args.id!r} is not in the roster", file=sys.stderr)
        return 1
    print(f"password set for {args.id}; their web sessions are ended", file=sys.stderr)
    return 0


def _read_password() -> str | None:
    """From the terminal, asked twice (None when they differ); else standard input's line."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("New password: ")
    return first if getpass.getpass("Again: ") == first else None
