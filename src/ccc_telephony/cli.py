"""`ccc-telephony`: run the service, check the policy, and the admin's verbs."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ccc_telephony import logs
from ccc_telephony.agents import cli as agents_cli
from ccc_telephony.callbacks import cli as callbacks_cli
from ccc_telephony.confidential import cli as confidential_cli
from ccc_telephony.config.directory import load_directory
from ccc_telephony.config.policy import PolicyError, load_policy
from ccc_telephony.config.settings import MissingSecretError, Settings
from ccc_telephony.directory import cli as directory_cli
from ccc_telephony.escalations import cli as escalations_cli
from ccc_telephony.login import cli as login_cli
from ccc_telephony.mailboxes import cli as mailboxes_cli
from ccc_telephony.reports import cli as reports_cli
from ccc_telephony.returns import cli as messages_cli
from ccc_telephony.signatures import cli as signatures_cli
from ccc_telephony.threats import cli as threats_cli
from ccc_telephony.wrapups import cli as wrapups_cli

DEFAULT_INSTANCE = "dev"  # `make run` / `make up`


def main(argv: list[str] | None = None) -> int:
    instance, rest = _instance_option().parse_known_args(argv)
    parser = _parser()
    args = parser.parse_args(rest)
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    args.instance = instance.instance
    settings = settings_for(args.instance)
    logs.configure(fmt=settings.log_format, level=settings.log_level, file=settings.log_file)
    try:
        result: int = args.func(settings, args)
    except (PolicyError, MissingSecretError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. `prompts list | head`: the reader has read enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return result


def settings_for(instance_name: str | None) -> Settings:
    """The environment's settings over those of a sandbox instance (`--instance`, else `dev`
    once it has been set up), so that after `make up` the admin's commands reach the running
    sandbox (its API port, secrets, database, folders) as they are. Without a sandbox, the
    environment's alone. Nothing is started or built."""
    from ccc_telephony.devstack.instance import instance
    from ccc_telephony.devstack.stack import sandbox_env

    inst = instance(instance_name or DEFAULT_INSTANCE)
    if instance_name is None and not inst.run_dir.exists():
        return Settings()
    return Settings.beneath_environment(sandbox_env(inst))


def _instance_option() -> argparse.ArgumentParser:
    """`--instance NAME`, taken wherever it stands (`ccc-telephony agents list --instance
    test4` as well as before the command)."""
    option = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    option.add_argument(
        "--instance",
        metavar="NAME",
        help=f"the sandbox instance to use the settings of (default {DEFAULT_INSTANCE}, once "
        "`make up` has set it up); variables set in the environment still win",
    )
    return option


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ccc-telephony", description=__doc__, parents=[_instance_option()]
    )
    sub = parser.add_subparsers(metavar="COMMAND")

    run = sub.add_parser("run", help="run the service in the foreground")
    run.set_defaults(func=_run)

    config = sub.add_parser("config", help="policy file commands").add_subparsers(metavar="ACTION")
    check = config.add_parser("check", help="validate the policy and directory without starting")
    check.add_argument("--policy", type=Path)
    check.add_argument("--directory", type=Path)
    check.set_defaults(func=_config_check)

    override = sub.add_parser("override", help="force the hours open or closed (snow day)")
    verbs = override.add_subparsers(metavar="ACTION")
    set_ = verbs.add_parser("set", help="force open or closed until a time")
    set_.add_argument("state", choices=["open", "closed"])
    end = set_.add_mutually_exclusive_group(required=True)
    end.add_argument("--until", help="ISO time with zone, e.g. 2026-11-24T08:00-06:00")
    end.add_argument("--minutes", type=int)
    set_.add_argument("--reason", required=True)
    set_.add_argument("--by", default="cli")
    set_.set_defaults(func=_override_set)
    clear = verbs.add_parser("clear", help="end the override now")
    clear.add_argument("--by", default="cli")
    clear.set_defaults(func=_override_clear)
    show = verbs.add_parser("show", help="recent overrides")
    show.set_defaults(func=_override_show)

    prompts = sub.add_parser("prompts", help="prompt sounds").add_subparsers(metavar="ACTION")
    prompts.add_parser(
        "generate", help="make English/Spanish sounds from the scripts"
    ).set_defaults(func=lambda s, _a: _prompts("cmd_generate")(s))
    prompts.add_parser("list", help="every prompt and where its sound comes from").set_defaults(
        func=lambda s, _a: _prompts("cmd_list")(s)
    )
    upload = prompts.add_parser("upload", help="replace a prompt with a WAV recording")
    upload.add_argument("language")
    upload.add_argument("name")
    upload.add_argument("wav", type=Path)
    upload.set_defaults(func=_prompts_upload)

    login_cli.register(agents_cli.register(sub))
    callbacks_cli.register(sub)
    escalations_cli.register(sub)
    directory_cli.register(sub)
    signatures_cli.register(sub)
    threats_cli.register(sub)
    wrapups_cli.register(sub)
    messages_cli.register(sub)
    mailboxes_cli.register(sub)
    confidential_cli.register(sub)
    reports_cli.register(sub)
    db = sub.add_parser("db", help="database").add_subparsers(metavar="ACTION")
    db.add_parser("upgrade", help="apply migrations").set_defaults(func=_db_upgrade)

    sandbox = sub.add_parser("sandbox", help="the developer sandbox (needs root)")
    sandbox.add_argument("action", choices=["run", "up", "down", "status", "prepare", "packages"])
    sandbox.set_defaults(func=_sandbox)
    return parser


def _run(settings: Settings, _: argparse.Namespace) -> int:
    from ccc_telephony.app import Service, serve

    serve(Service(settings))
    return 0


def _config_check(settings: Settings, args: argparse.Namespace) -> int:
    policy_path = args.policy or settings.policy_file
    directory_path = args.directory or settings.directory_file
    policy = load_policy(policy_path)
    directory = load_directory(directory_path)
    print(
        f"policy ok: {policy_path} (main number {policy.main_number}, "
        f"{len(policy.queues)} queues, {len(policy.languages)} languages)"
    )
    print(
        f"directory ok: {directory_path} ({len(directory.consortia)} consortia, "
        f"{len(directory.counties)} counties)"
    )
    return 0


def _override_set(settings: Settings, args: argparse.Namespace) -> int:
    from ccc_telephony.store import overrides
    from ccc_telephony.store.engine import run_with_engine

    policy = load_policy(settings.policy_file)
    now = datetime.now(policy.zone)
    if args.minutes is not None:
        if not 1 <= args.minutes <= 60 * 24 * 14:
            print("error: --minutes must be 1 to 20160", file=sys.stderr)
            return 2
        until = now + timedelta(minutes=args.minutes)
    else:
        try:
            until = datetime.fromisoformat(args.until)
        except ValueError:
            print("error: --until must be an ISO date-time", file=sys.stderr)
            return 2
        if until.tzinfo is None:
            until = until.replace(tzinfo=policy.zone)
    if until <= now:
        print("error: the override must end in the future", file=sys.stderr)
        return 2

    override_id = run_with_engine(
        settings.database_url,
        lambda engine: overrides.set_override(
            engine, open=args.state == "open", until=until, reason=args.reason, set_by=args.by
        ),
    )
    print(f"override {override_id}: {args.state} until {until.isoformat()} ({args.reason})")
    return 0


def _override_clear(settings: Settings, args: argparse.Namespace) -> int:
    from ccc_telephony.store import overrides
    from ccc_telephony.store.engine import run_with_engine

    cleared = run_with_engine(
        settings.database_url,
        lambda engine: overrides.clear_override(engine, cleared_by=args.by, now=datetime.now(UTC)),
    )
    print(f"cleared {cleared} override(s)")
    return 0


def _override_show(settings: Settings, _: argparse.Namespace) -> int:
    from ccc_telephony.store import overrides
    from ccc_telephony.store.engine import run_with_engine

    for row in run_with_engine(settings.database_url, overrides.list_overrides):
        state = "open" if row.open else "closed"
        cleared = f" cleared {row.cleared_at:%Y-%m-%d %H:%M}" if row.cleared_at else ""
        print(
            f"{row.id:>5} {state:<6} until {row.until.isoformat()} by {row.set_by}: "
            f"{row.reason}{cleared}"
        )
    return 0


def _prompts(name: str) -> Callable[[Settings], int]:
    from ccc_telephony.prompts import cli

    command: Callable[[Settings], int] = getattr(cli, name)
    return command


def _prompts_upload(settings: Settings, args: argparse.Namespace) -> int:
    from ccc_telephony.prompts.cli import cmd_upload

    return cmd_upload(settings, args.language, args.name, args.wav)


def _db_upgrade(settings: Settings, _: argparse.Namespace) -> int:
    from ccc_telephony.store.migrate import upgrade

    asyncio.run(upgrade(settings.database_url))
    print("database is at the latest migration")
    return 0


def _sandbox(_: Settings, args: argparse.Namespace) -> int:
    from ccc_telephony.devstack import commands

    return commands.dispatch(args.action, args.instance or DEFAULT_INSTANCE)


if __name__ == "__main__":
    sys.exit(main())
