"""The mailboxes feature put together: the service, the caller's line, the agent's phone menu,
the routes and the background jobs (message-waiting lights after Asterisk (re)starts, the
check of greetings and departed agents' messages). The composition root creates one and
starts it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.asterisk.ami import Ami
from ccc_telephony.asterisk.ari.dispatcher import CallHandler
from ccc_telephony.config.agents import RosterAgent
from ccc_telephony.config.policy import Policy
from ccc_telephony.jobs import BackgroundJobs
from ccc_telephony.live.feed import LiveFeed
from ccc_telephony.mailboxes import http
from ccc_telephony.mailboxes.greetings import Greetings
from ccc_telephony.mailboxes.menu import MailboxMenu
from ccc_telephony.mailboxes.service import MailboxService
from ccc_telephony.mailboxes.stasis import Emit, MailboxLine, Prompt, Watch
from ccc_telephony.messages.book import MessageBook
from ccc_telephony.returns.service import ReturnCalls

CHECK_SECONDS = 60.0  # how often every mailbox's greeting is judged (missing, away passed)


class MailboxesFeature:
    def __init__(
        self,
        *,
        policy: Policy,
        engine: AsyncEngine,
        clock: Callable[[], datetime],
        book: MessageBook,
        roster: Callable[[], Mapping[str, RosterAgent]],
        live: LiveFeed,
        ami: Ami,
        jobs: BackgroundJobs,
        prompt: Prompt,
        emit: Emit,
        watch: Watch,
        recordings_dir: Path,
        returns: ReturnCalls,
    ) -> None:
        """`prompt(name, language)`: a caller prompt's media (the prompt library); `returns`:
        the return-call path the agent's menu calls a caller back through."""
        self._jobs = jobs
        self._returns = returns
        self.service = MailboxService(
            engine=engine,
            clock=clock,
            policy=policy,
            book=book,
            roster=roster,
            live=live,
            ami=ami,
            greetings=Greetings(policy=policy, recordings_dir=recordings_dir),
        )
        self.line = MailboxLine(
            self.service, prompt=prompt, emit=emit, watch=watch, recordings_dir=recordings_dir
        )
        first = policy.languages[0].code
        self.menu = MailboxMenu(
            self.service, prompt=lambda name: prompt(name, first), emit=emit, returns=returns
        )
        # Asks the lights job to run; before start() there is no job.
        self._republish: Callable[[], None] = lambda: None
        ami.on_event("FullyBooted", self._on_ami_login)

    def delegates(self, mailbox: str) -> frozenset[str]:
        """Who may handle the mailbox's messages beyond the owner, the agent and their roster
        supervisors: named delegates, and a departed agent's supervisors (ReturnCalls)."""
        return self.service.handlers(mailbox)

    async def start(self) -> None:
        self._republish = self._jobs.on_request("mailbox-lights", self.service.update_every_light)
        self._jobs.run("mailbox-delegates", self.service.load_delegates)
        self._jobs.every("mailbox-check", CHECK_SECONDS, self.service.check_mailboxes)
        self._republish()

    def _on_ami_login(self, _manager: Any, _message: Any) -> None:
        """Asterisk (re)started or AMI came back: its message-waiting counts may be gone."""
        self._republish()

    def stasis_handlers(self) -> dict[str, CallHandler]:
        """Callers at a mailbox (a failed flow hands them to the fallback)."""
        return self.line.handlers()

    def staff_handlers(self) -> dict[str, CallHandler]:
        """The agent's mailbox menu on their own phone (not a caller)."""
        return self.menu.handlers()

    def routes(self) -> web.RouteTableDef:
        return http.routes(self.service, self._returns)
