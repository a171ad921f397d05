"""The return-calls feature put together: returning messages (the dialer's `call_back`), the
message routes, the day's check with its pre-due flags as one background job, and at start-up
the return calls a restart cut off put back."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.config.policy import Policy
from ccc_telephony.jobs import BackgroundJobs
from ccc_telephony.messages.book import MessageBook
from ccc_telephony.outbox import Outbox
from ccc_telephony.returns import http
from ccc_telephony.returns.checks import CHECK_EVERY_SECONDS, DayCheck
from ccc_telephony.returns.contacts import ReturnContacts
from ccc_telephony.returns.dialer import ReturnDialer
from ccc_telephony.returns.service import Publish, ReturnCalls, Roster
from ccc_telephony.wrapups.service import WrapupService


class ReturnsFeature:
    def __init__(
        self,
        *,
        book: MessageBook,
        dialer: ReturnDialer,
        wrapups: WrapupService,
        engine: AsyncEngine,
        policy: Policy,
        roster: Roster,
        publish: Publish,
        outbox: Outbox,
        recordings_dir: Path,
    ) -> None:
        self._recordings_dir = recordings_dir
        # Every attempt a contact: messages returned here, confidential cases called back.
        self.contacts = ReturnContacts(engine=engine, wrapups=wrapups)
        self.calls = ReturnCalls(
            book=book,
            dialer=dialer,
            contacts=self.contacts,
            policy=policy,
            roster=roster,
            publish=publish,
        )
        self.check = DayCheck(
            book=book, policy=policy, roster=roster, publish=publish, outbox=outbox
        )

    def start(self, jobs: BackgroundJobs) -> None:
        jobs.run("messages-return-recovery", self._recover)
        jobs.every("messages-day-check", CHECK_EVERY_SECONDS, self.check.step)

    async def _recover(self) -> None:
        """Once at start-up: return calls a restart cut off put their messages back."""
        await self.calls.recover()

    def routes(self) -> web.RouteTableDef:
        return http.routes(self.calls, self._recordings_dir)
