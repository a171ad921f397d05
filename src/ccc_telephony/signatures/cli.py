"""`ccc-telephony signatures ...`: verify the ledger, purge audio past retention, list.

`verify` and `purge` work on the database and the signatures folder directly (the settings
say where), so they run whether or not the service does; `list` goes through the running
service's API with the admin token, so that the listing is audited like any other.
"""

from __future__ import annotations

import argparse
import getpass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from ccc_telephony.config.policy import load_policy
from ccc_telephony.config.settings import Settings
from ccc_telephony.signatures import ledger
from ccc_telephony.signatures.vault import Vault
from ccc_telephony.store.engine import run_with_engine
from ccc_telephony.web.client import api, failed


def register(sub: Any) -> None:
    signatures = sub.add_parser("signatures", help="telephonic signatures: verify, purge, list")
    verbs = signatures.add_subparsers(metavar="ACTION")
    verbs.add_parser(
        "verify", help="check every file against its hash and the whole chain"
    ).set_defaults(func=_verify)
    purge = verbs.add_parser("purge", help="remove audio past the policy's retention time")
    purge.add_argument("--by", default=None, help="who purges (default: cli and your user name)")
    purge.set_defaults(func=_purge)
    listing = verbs.add_parser("list", help="the signatures of a case or of a call")
    which = listing.add_mutually_exclusive_group(required=True)
    which.add_argument("--case", help="case number")
    which.add_argument("--call", help="call id")
    listing.set_defaults(func=_list)


def _verify(settings: Settings, _: argparse.Namespace) -> int:
    vault = Vault(settings.signatures_path)
    report = run_with_engine(settings.database_url, lambda engine: ledger.verify(engine, vault))
    for problem in report.problems:
        print(f"FAIL {problem}")
    summary = (
        f"{report.signatures} signatures, {report.entries} chain entries, "
        f"{report.files} files; chain head {report.head or '(empty)'}"
    )
    if not report.ok:
        print(f"verify failed: {len(report.problems)} problem(s); {summary}")
        return 1
    print(f"verify ok: {summary}")
    return 0


def _purge(settings: Settings, args: argparse.Namespace) -> int:
    years = load_policy(settings.policy_file).signatures.retention_years
    by = args.by or f"cli ({getpass.getuser()})"
    vault = Vault(settings.signatures_path)
    report = run_with_engine(
        settings.database_url,
        lambda engine: ledger.purge(
            engine, vault, now=datetime.now(UTC), by=by, retention_years=years
        ),
    )
    for signature_id in report.purged:
        print(f"purged {signature_id}")
    print(
        f"purged {len(report.purged)} signature(s) older than {years} years; "
        f"{report.files_removed} file(s) removed; by {by}"
    )
    return 0


def _list(settings: Settings, args: argparse.Namespace) -> int:
    query = urlencode({"case": args.case} if args.case else {"call": args.call})
    status, body = api(settings, "GET", f"/api/v1/signatures?{query}")
    if status != 200:
        return failed(status, body)
    if not body["signatures"]:
        print("(no signatures)")
    for row in body["signatures"]:
        print(
            f"{row['id']}  {row['started_at']}  {row['status']:<10}  {row['program']:<12}  "
            f"{row['language']}  agent {row['agent']}  call {row['call_id']}  "
            f"case {row['case_number'] or '-'}  ssn ...{row['ssn_last4'] or '-'}"
        )
    return 0
