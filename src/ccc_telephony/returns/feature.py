"""The return-calls feature put together: returning messages (the dialer's `call_back`), the
message routes, and the day's check with its pre-due flags as one background job."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.config.policy import Policy
from ccc_telephony.jobs import BackgroundJobs
from ccc_telephony.mail import Mailer
from ccc_telephony.messages import http
from ccc_telephony.messages.book import MessageBook
from ccc_telephony.returns.checks import CHECK_EVERY_SECONDS, DayCheck
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
        mailer: Mailer,
        recordings_dir: Path,
    ) -> None:
        self._recordings_dir = recordings_dir
        self.calls = ReturnCalls(
            book=book,
            dialer=dialer,
            wrapups=wrapups,
            engine=engine,
            policy=policy,
            roster=roster,
            publish=publish,
        )
        self.check = DayCheck(
            book=book, policy=policy, roster=roster, publish=publish, mailer=mailer
        )

    def start(self, jobs: BackgroundJobs) -> None:
        jobs.every("messages-day-check", CHECK_EVERY_SECONDS, self.check.step)

    def routes(self) -> web.RouteTableDef:
        return http.routes(self.calls, self._recordings_dir)
