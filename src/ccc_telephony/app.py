"""The composition root: builds the clients, the store and each feature, starts and stops them.

Start order makes every dependency ready before anything that uses it; stop order is the reverse
and graceful: no new calls, calls in progress finished or handed to the dialplan, then every
call event flushed to the database (or to the spool when the database is down).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import signal
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import structlog
import uvloop
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from ccc_telephony.abusive.feature import AbusiveFeature
from ccc_telephony.agents.calls import AgentCalls
from ccc_telephony.agents.feature import AgentsFeature
from ccc_telephony.agents.phones import AgentPhones, PhonePasswords
from ccc_telephony.asterisk.agi import AgiServer
from ccc_telephony.asterisk.ami import Ami
from ccc_telephony.asterisk.ari import AriClient, AriError, AriEventStream
from ccc_telephony.asterisk.ari.dispatcher import StasisDispatcher
from ccc_telephony.asterisk.in_call_codes import InCallCodes
from ccc_telephony.callbacks.feature import CallbacksFeature
from ccc_telephony.callbacks.rules import placeholder_of
from ccc_telephony.calltools.notice import AgentNotice
from ccc_telephony.calltools.tools import CallTools
from ccc_telephony.confidential.feature import ConfidentialFeature
from ccc_telephony.config.directory import Directory
from ccc_telephony.config.policy import Policy, load_policy
from ccc_telephony.config.settings import Settings
from ccc_telephony.directory.feature import DirectoryFeature
from ccc_telephony.escalations import http as escalations_http
from ccc_telephony.escalations.service import EscalationService
from ccc_telephony.events import CallEventBus
from ccc_telephony.hours import http as hours_http
from ccc_telephony.hours.agi import agi_handlers
from ccc_telephony.hours.service import Clock, HoursService, utc_now
from ccc_telephony.hours.workdays import Workdays
from ccc_telephony.interpreters.feature import InterpretersFeature
from ccc_telephony.ivr import http as ivr_http
from ccc_telephony.ivr.context import IvrContext
from ccc_telephony.ivr.stasis import MainNumber
from ccc_telephony.jobs import BackgroundJobs
from ccc_telephony.live import http as live_http
from ccc_telephony.live.feed import LiveFeed, queue_names
from ccc_telephony.login import http as login_http
from ccc_telephony.login.service import Login
from ccc_telephony.login.sessions import WebSessions
from ccc_telephony.mail import Mailer
from ccc_telephony.mailboxes.feature import MailboxesFeature
from ccc_telephony.messages.book import MessageBook
from ccc_telephony.outbox import Outbox
from ccc_telephony.prompts import http as prompts_http
from ccc_telephony.prompts.cli import library
from ccc_telephony.prompts.generate import generate_all
from ccc_telephony.prompts.library import PromptLibrary
from ccc_telephony.prompts.stasis import PromptRecordingContext, PromptRecordingLine
from ccc_telephony.reports import http as reports_http
from ccc_telephony.reports import pages as reports_pages
from ccc_telephony.reports.today import today_by_queue
from ccc_telephony.returns.dialer import ReturnDialer
from ccc_telephony.returns.feature import ReturnsFeature
from ccc_telephony.signatures.feature import SignaturesFeature
from ccc_telephony.store import calls as calls_store
from ccc_telephony.store import overrides as overrides_store
from ccc_telephony.store.engine import make_engine, ping
from ccc_telephony.store.events import CallEvent, EventWriter
from ccc_telephony.store.projection import ProjectionRules
from ccc_telephony.threats.feature import ThreatsFeature
from ccc_telephony.transfers.context import Staff, TransferContext
from ccc_telephony.transfers.feature import TransfersFeature
from ccc_telephony.wallboard import http as wallboard_http
from ccc_telephony.wallboard.feature import make_wallboard
from ccc_telephony.web import health, openapi, reads
from ccc_telephony.web.auth import bearer_auth, json_errors
from ccc_telephony.web.metrics import Metrics
from ccc_telephony.web.validation import JSON_BODY_LIMIT
from ccc_telephony.wrapups import http as wrapups_http
from ccc_telephony.wrapups.service import WrapupService

log = structlog.get_logger(__name__)


@dataclass
class Service:
    settings: Settings
    clock: Clock = utc_now
    policy: Policy = field(init=False)
    directory: DirectoryFeature = field(init=False)
    metrics: Metrics = field(default_factory=Metrics)
    jobs: BackgroundJobs = field(default_factory=BackgroundJobs)

    def __post_init__(self) -> None:
        self.policy = load_policy(self.settings.policy_file)
        s = self.settings
        self.engine: AsyncEngine = make_engine(s.database_url)
        # The call-event log has connections of its own: nothing else (a flood of API
        # requests, a slow report) can keep it waiting into its outage path.
        self.writer_engine: AsyncEngine = make_engine(s.database_url, pool_size=2)
        self.directory = DirectoryFeature(
            seed_file=s.directory_file, engine=self.engine, speak_names=self._speak_consortia
        )
        self.writer = EventWriter(
            engine=self.writer_engine,
            spool_path=s.data_dir / "spool" / "events.jsonl",
            batch_size=s.event_batch_size,
            flush_interval=s.event_flush_ms / 1000,
            on_write=lambda _n, seconds: self.metrics.event_write_seconds.observe(seconds),
            rules=ProjectionRules(
                followup=timedelta(hours=self.policy.escalations.followup_hours),
                wrapup_due=timedelta(minutes=self.policy.wrapups.due_minutes),
                after_hours_due=Workdays(self.policy).next_business_noon,
                reports=self.policy.reports,
            ),
        )
        self.bus = CallEventBus(durable=self.writer.emit)
        self.hours = HoursService(self.policy, load_override=self._load_override, clock=self.clock)
        self.prompts: PromptLibrary = library(s, self.policy)
        self.ari = AriClient(
            base_url=s.ari_url,
            user=s.ari_user,
            password=s.secret("ari-password").get_secret_value(),
            app=s.ari_app,
        )
        self.ami = Ami(
            host=s.ami_host,
            port=s.ami_port,
            user=s.ami_user,
            secret=s.secret("ami-secret").get_secret_value(),
        )
        ctx = IvrContext(
            policy=self.policy,
            directory=self.directory.holder,
            prompts=self.prompts,
            hours=self.hours,
            caller_hash_key=s.secret("caller-hash-key").get_secret_value().encode(),
            emit=self.emit,
            history=self._call_history,
            recordings_dir=s.asterisk_recordings_dir,
        )
        self.dispatcher = StasisDispatcher(self.ari, handlers={}, adopt={"main": "adopted"})
        self.main_number = MainNumber(ctx, self.dispatcher)
        self.dispatcher.add_handlers(self.main_number.handlers())
        self.prompt_recording = PromptRecordingLine(
            PromptRecordingContext(
                policy=self.policy,
                directory=self.directory.holder,
                library=self.prompts,
                engine=self.engine,
                emit=self.emit,
                recordings_dir=s.asterisk_recordings_dir,
            )
        )
        self.dispatcher.add_handlers(self.prompt_recording.handlers(), callers=False)
        self.agents = AgentsFeature(
            policy=self.policy,
            engine=self.engine,
            ami=self.ami,
            clock=self.clock,
            is_open=lambda: self.hours.status().open,
            emit_call=self._queue_call_event,
            phones=AgentPhones(
                config_dir=s.asterisk_config_dir,
                passwords=PhonePasswords(s.secrets_dir),
                ami=self.ami,
            ),
            media=lambda name: self.prompts.media(name, self.policy.languages[0].code),
            jobs=self.jobs,
        )
        self.dispatcher.add_handlers(self.agents.stasis_handlers(), callers=False)
        # Codes keyed during a call, and the call an agent is on: for transfers and the tools.
        self.in_call_codes = InCallCodes(self.ami)
        self.in_call_codes.register()
        self.agent_calls = AgentCalls(
            ari=self.ari,
            ami=self.ami,
            roster=lambda: self.agents.agents.roster,
            agent_at=self.agents.agent_at,
            caller_of=self.agents.agents.current_call,
        )
        first_language = self.policy.languages[0].code
        self.calltools = CallTools(
            self.in_call_codes,
            self.agent_calls,
            roster=lambda: self.agents.agents.roster,
            notice=AgentNotice(self.ari, lambda prompt: self.prompts.media(prompt, first_language)),
        )
        self.dispatcher.add_handlers(self.calltools.notice.handlers(), callers=False)
        self.transfers = TransfersFeature(
            TransferContext(
                policy=self.policy,
                directory=lambda: self.directory.holder.current,
                staff=Staff(
                    agent_at=self.agents.agent_at,
                    logged_in=self.agents.logged_in,
                    caller_of=self.agents.agents.current_call,
                ),
                media=self.prompts.media,
                emit=self.emit,
                clock=self.clock,
                center_open=lambda: self.hours.status().open,
            ),
            ami=self.ami,
            ari=self.ari,
            watch=self.dispatcher.watch,
            roster=lambda: self.agents.agents.roster,
            calls=self.agent_calls,
            codes=self.in_call_codes,
        )
        self.transfers.register()
        self.bus.subscribe(self.transfers.on_call_event)
        self.bus.subscribe(self.agents.queue_events.on_call_event)
        self.dispatcher.add_handlers(self.transfers.stasis_handlers())
        self.dispatcher.add_handlers(self.transfers.staff_handlers(), callers=False)
        self.escalations = EscalationService(
            engine=self.engine,
            clock=self.clock,
            emit=self.emit,
            roster=lambda: self.agents.agents.roster,
        )
        self.interpreters = InterpretersFeature(
            policy=self.policy,
            ari=self.ari,
            ami=self.ami,
            tools=self.calltools,
            watch=self.dispatcher.watch,
            emit=self.emit,
            clock=self.clock,
        )
        self.interpreters.register()
        self.bus.subscribe(self.interpreters.on_call_event)
        self.dispatcher.add_handlers(self.interpreters.stasis_handlers(), callers=False)
        self.signatures = SignaturesFeature(
            engine=self.engine,
            policy=self.policy,
            library=self.prompts,
            clock=self.clock,
            emit=self.emit,
            ari=self.ari,
            tools=self.calltools,
            signatures_dir=s.signatures_path,
            recordings_dir=s.asterisk_recordings_dir,
        )
        self.dispatcher.add_handlers(self.signatures.stasis_handlers(), callers=False)
        self.bus.subscribe(self.signatures.on_call_event)
        self.live = LiveFeed(
            roster=lambda: self.agents.agents.roster,
            clock=self.clock,
            queues=queue_names(self.policy),
            since_of=lambda agent: getattr(self.agents.agents.status.get(agent), "since", None),
        )
        self.bus.subscribe(self.live.on_call_event)
        self.agents.on_agent_event(self.live.on_agent_event)
        # Every message left for a person to return, and when it is due back.
        self.messages = MessageBook(
            engine=self.engine,
            clock=self.clock,
            policy=self.policy,
            roster=lambda: self.agents.agents.roster,
            publish=self.live.publish,
        )
        self.writer.on_stored(self.messages.on_events_stored)
        self.threats = ThreatsFeature(
            policy=self.policy,
            engine=self.engine,
            clock=self.clock,
            emit=self.emit,
            live=self.live,
            mailer=Mailer(s),
            roster=lambda: self.agents.agents.roster,
            calltools=self.calltools,
        )
        self.abusive = AbusiveFeature(
            policy=self.policy,
            media=self.prompts.media,
            emit=self.emit,
            live=self.live,
            ari=self.ari,
            calltools=self.calltools,
        )
        self.dispatcher.add_handlers(self.abusive.stasis_handlers(), callers=False)
        self.wrapups = WrapupService(
            engine=self.engine,
            clock=self.clock,
            policy=self.policy.wrapups,
            roster=lambda: self.agents.agents.roster,
        )
        # Return calls: the dialer messages, queue callbacks and confidential cases call with.
        self.dialer = ReturnDialer(
            ari=self.ari,
            watch=self.dispatcher.watch,
            channel_of=self.dispatcher.calls.get,
            roster=lambda: self.agents.agents.roster,
            main_number=self.policy.main_number,
            policy=self.policy.returns,
        )
        self.dispatcher.add_handlers(self.dialer.stasis_handlers(), callers=False)
        # The promise checks' e-mails, each sent once and retried while SMTP is away.
        self.outbox = Outbox(engine=self.engine, mailer=Mailer(s), clock=self.clock)
        # Returning messages, the message routes, the day's check and the pre-due flags.
        self.returns = ReturnsFeature(
            book=self.messages,
            dialer=self.dialer,
            wrapups=self.wrapups,
            engine=self.engine,
            policy=self.policy,
            roster=lambda: self.agents.agents.roster,
            publish=self.live.publish,
            outbox=self.outbox,
            recordings_dir=s.asterisk_recordings_dir,
        )
        # Staff mailboxes: greetings, messages left, the phones' message-waiting lights.
        self.mailboxes = MailboxesFeature(
            policy=self.policy,
            engine=self.engine,
            clock=self.clock,
            book=self.messages,
            roster=lambda: self.agents.agents.roster,
            live=self.live,
            ami=self.ami,
            jobs=self.jobs,
            prompt=self.prompts.media,
            emit=self.emit,
            watch=self.dispatcher.watch,
            recordings_dir=s.asterisk_recordings_dir,
            returns=self.returns.calls,
        )
        self.dispatcher.add_handlers(self.mailboxes.stasis_handlers())
        ctx.staff_mailbox = self.mailboxes.line.from_ivr  # from the IVR, where the policy allows
        self.dispatcher.add_handlers(self.mailboxes.staff_handlers(), callers=False)
        # Whom a mailbox's supervisors named may handle (and return) its messages too.
        self.returns.calls.delegates = self.mailboxes.delegates
        # Confidential cases: the worker's call back within 24 hours, inside their shift.
        self.confidential = ConfidentialFeature(
            policy=self.policy,
            engine=self.engine,
            clock=self.clock,
            emit=self.emit,
            live=self.live,
            roster=lambda: self.agents.agents.roster,
            calltools=self.calltools,
            failed_attempt=self.wrapups.failed_attempt,
            dialer=self.dialer,
            contacts=self.returns.contacts,
            outbox=self.outbox,
        )
        # Callback instead of waiting: a caller keeps their place in line while they hang up.
        self.callbacks = CallbacksFeature(
            policy=self.policy,
            engine=self.engine,
            ari=self.ari,
            clock=self.clock,
            queue_status=self.agents.queues.status,
            dialer=self.dialer,
            contacts=self.returns.contacts,
            agent_at=self.agents.agent_at,
            media=self.prompts.media,
            emit=self.emit,
            publish=self.live.publish,
        )
        self.dispatcher.add_handlers(self.callbacks.caller_handlers())
        self.dispatcher.add_handlers(self.callbacks.placeholder_handlers(), callers=False)
        # Staff log in to the web pages (the wallboard) with a username and password.
        self.login = Login(
            engine=self.engine,
            sessions=WebSessions(
                self.engine,
                roster=lambda: self.agents.agents.roster if self.agents.loaded.is_set() else None,
                clock=self.clock,
                admin_token=s.secret("admin-token").get_secret_value(),
            ),
            admin_token=s.secret("admin-token").get_secret_value(),
            roster=lambda: self.agents.agents.roster,
            clock=self.clock,
            tokens=self.agents.tokens.principal,
        )
        # The live wallboard, with today's figures per queue as the reports count them.
        self.wallboard = make_wallboard(
            policy=self.policy,
            engine=self.engine,
            clock=self.clock,
            roster=lambda: self.agents.agents.roster,
            statuses=lambda: self.agents.agents.status,
            members=lambda: self.agents.agents.members,
            staffed=self.agents.staffed_queues,
            queue_snapshot=self.agents.queue_snapshot,
            queue_status=self.agents.queues.status,
            today=lambda now: today_by_queue(self.engine, self.policy, now),
        )
        self.agents.on_agent_event(self.wallboard.on_agent_event)
        self.bus.subscribe(self.wallboard.on_call_event)
        self.events = AriEventStream(
            self.ari, on_event=self.dispatcher.on_event, on_connect=self._on_ari_connect
        )
        self.agi = AgiServer(host=s.agi_host, port=s.agi_port, handlers=agi_handlers(self.hours))
        self._first_connect = True
        self._runner: web.AppRunner | None = None
        self._register_metrics()

    # --- call events ----------------------------------------------------------------------
    def emit(self, call_id: str, name: str, details: Mapping[str, Any]) -> None:
        self.bus.publish(
            CallEvent(call_id=call_id, name=name, details=dict(details), at=self.clock())
        )

    def _queue_call_event(self, call_id: str, name: str, details: Mapping[str, Any]) -> None:
        """app_queue's events of a caller in line. A queue callback's placeholder is no call:
        its queue events change the agent's state only, and the callback's own events (on the
        caller's call) say what happened; so it is never an inbound call from nowhere, nor
        owed a wrap-up besides the callback's own contact."""
        if placeholder_of(call_id) is None:
            self.emit(call_id, name, details)

    async def _call_history(self, call_id: str) -> list[tuple[str, Mapping[str, Any]]]:
        """A call's events, for a call picked up again after a restart; none if the database
        cannot say (the call then starts again from the language menu)."""
        try:
            rows = await calls_store.call_events(self.engine, call_id)
        except Exception as exc:
            log.warning("cannot read a resumed call's events", error=type(exc).__name__)
            return []
        return [(row.name, row.details) for row in rows]

    async def _speak_consortia(self, directory: Directory) -> None:
        """Consortium names are spoken from generated sounds: an added or renamed consortium
        is named from the next call on (generation only speaks what changed)."""

        def regenerate() -> None:
            generate_all(self.policy, directory, self.settings.generated_sounds_dir)
            self.prompts.publish()

        await asyncio.to_thread(regenerate)

    async def _load_override(self, now: Any) -> Any:
        row = await overrides_store.active_override(self.engine, now)
        return None if row is None else row.to_override()

    # --- start and stop -------------------------------------------------------------------
    async def start(self) -> None:
        await self.writer.start()
        await self.hours.refresh()
        await asyncio.to_thread(self.prompts.publish)
        await self.directory.refresh()
        await self.agi.start()
        self.ami.start()
        await self.agents.start()
        self.jobs.every("hours-refresh", self.hours.refresh_seconds, self.hours.refresh)
        self.jobs.run("ari-events", self.events.run)
        self.jobs.every("directory-refresh", self.directory.refresh_seconds, self.directory.refresh)
        self.jobs.run("signature-captures", self.signatures.run)
        self.jobs.run("wallboard", self.wallboard.run)
        self.jobs.every("callbacks", self.callbacks.round_seconds, self.callbacks.tick)
        self.returns.start(self.jobs)
        self.confidential.start(self.jobs)
        await self.mailboxes.start()
        self._runner = web.AppRunner(self.web_app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.settings.http_host, self.settings.http_port)
        await site.start()
        log.info(
            "service started",
            http=f"{self.settings.http_host}:{self.settings.http_port}",
            ari_app=self.settings.ari_app,
            agi_port=self.agi.port,
        )

    async def stop(self) -> None:
        log.info("service stopping: no new calls", in_progress=self.dispatcher.in_progress)
        await self.dispatcher.drain(self.settings.shutdown_grace_seconds)
        await self.jobs.stop()
        await self.agi.stop()
        if self._runner is not None:
            await self._runner.cleanup()
        self.ami.close()
        await self.writer.stop()
        await self.ari.close()
        await self.engine.dispose()
        await self.writer_engine.dispose()
        log.info("service stopped", spooled_events=self.writer.spooled)

    async def run_until_signalled(self) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await self.start()
        # What start-up made (modules, SQLAlchemy's and pydantic's machinery, the policy) lives
        # as long as the process: frozen out of the collector's reach, a full collection scans
        # only what calls made since, instead of stopping every call for 100-150 ms
        # (bench/RESULTS.md, issue 14).
        gc.freeze()
        try:
            await stop.wait()
        finally:
            await self.stop()

    # --- reconciliation -------------------------------------------------------------------
    async def _on_ari_connect(self) -> None:
        await self.dispatcher.reconcile()
        # Placeholders still in Asterisk kept, those lost (Asterisk restarted) put back.
        await self.callbacks.reconcile()
        if self._first_connect:
            # Done once it succeeds: after a failure (database down, an ARI call refused) it is
            # tried again on the next connect rather than skipped for the life of the process.
            self._first_connect = not await self._close_calls_lost_while_away()

    async def _close_calls_lost_while_away(self) -> bool:
        """Calls the database thinks are open but we do not hold: watch or end them. False
        when the database cannot say which are open (an ARI error is raised: the events link
        reconnects)."""
        try:
            open_ids = await calls_store.open_calls(self.engine)
        except Exception as exc:
            log.warning("cannot read open calls; reconciliation waits", error=type(exc).__name__)
            return False
        live = {channel["id"] for channel in await self.ari.channels()}
        held = set(self.dispatcher.calls) | self.dispatcher.watching()
        for call_id in open_ids:
            if call_id in held:
                continue
            if call_id in live:
                with contextlib.suppress(AriError):
                    await self.main_number.watch_until_end(call_id)
            else:
                self.main_number.ended(call_id, "ended_while_service_away", cause=None)
        return True

    # --- HTTP -----------------------------------------------------------------------------
    def web_app(self) -> web.Application:
        token = self.settings.secret("admin-token").get_secret_value()
        app = web.Application(
            middlewares=[
                json_errors,
                bearer_auth(
                    token, self.agents.tokens.principal, login_http.session_lookup(self.login)
                ),
            ],
            # Only for aiohttp's own request.read()/json(): routes read bodies with
            # web.validation.read_body and their own limit (a prompt upload takes 20 MB).
            client_max_size=JSON_BODY_LIMIT,
        )
        app[reads.READS] = reads.CallDataReads(engine=self.engine, clock=self.clock)
        app.add_routes(
            health.routes(
                readiness=health.Readiness(self._readiness_checks()),
                jobs=self.jobs,
                metrics=self.metrics,
            )
        )
        app.add_routes(hours_http.routes(self.hours, self.engine))
        app.add_routes(ivr_http.routes(self.engine))
        app.add_routes(prompts_http.routes(self.prompts, self.engine))
        app.add_routes(self.agents.routes())
        app.add_routes(self.transfers.routes())
        app.add_routes(self.interpreters.routes())
        app.add_routes(escalations_http.routes(self.escalations))
        app.add_routes(self.directory.routes())
        for table in self.signatures.routes():
            app.add_routes(table)
        app.add_routes(live_http.routes(self.live, self.clock))
        app.on_shutdown.append(self.live.close)
        app.add_routes(self.threats.routes())
        app.add_routes(self.abusive.routes())
        app.add_routes(self.mailboxes.routes())
        app.add_routes(self.callbacks.routes())
        app.add_routes(wrapups_http.routes(self.wrapups, lambda: self.agents.agents.roster))
        app.add_routes(self.returns.routes())
        app.add_routes(self.confidential.routes())
        app.add_routes(reports_http.routes(self._reports_context()))
        app.add_routes(
            reports_pages.routes(self.policy, self.clock, lambda: self.agents.agents.roster)
        )
        app.add_routes(
            reads.routes(
                self.engine,
                roster=lambda: self.agents.agents.roster,
                zone=self.policy.zone,
                clock=self.clock,
            )
        )
        app.add_routes(openapi.routes(openapi.package_parts()))
        app.add_routes(
            login_http.routes(
                self.login,
                secure_cookie=self.settings.behind_https,
                roster=lambda: self.agents.agents.roster,
            )
        )
        app.add_routes(wallboard_http.routes(self.wallboard))
        app.on_shutdown.append(self.wallboard.close)
        return app

    def _reports_context(self) -> reports_http.ReportsContext:
        return reports_http.ReportsContext(
            engine=self.engine,
            policy=self.policy,
            clock=self.clock,
            roster=lambda: self.agents.agents.roster,
        )

    def _readiness_checks(self) -> dict[str, health.Check]:
        async def ari() -> bool:
            await self.ari.asterisk_info()
            return self.events.connected.is_set()

        async def database() -> bool:
            return await ping(self.engine)

        return {"ari": ari, "ami": self.ami.ping, "database": database}

    def _register_metrics(self) -> None:
        m = self.metrics
        m.gauge(
            "ccc_calls_in_progress", "Calls in the IVR now", lambda: self.dispatcher.in_progress
        )
        m.counter(
            "ccc_calls_total",
            "Calls ended, by outcome",
            lambda: dict(self.main_number.outcomes),
            label="outcome",
        )
        m.counter(
            "ccc_ari_reconnects_total",
            "ARI events websocket reconnects",
            lambda: self.events.reconnects,
        )
        m.counter(
            "ccc_events_written_total",
            "Call events written to the database",
            lambda: self.writer.written,
        )
        m.gauge(
            "ccc_events_spooled",
            "Call events waiting in the outage spool",
            lambda: self.writer.spooled,
        )
        m.counter(
            "ccc_agi_connections_total",
            "FastAGI connections handled",
            lambda: self.agi.stats.handled,
        )
        m.background_jobs(self.jobs)


def serve(service: Service) -> None:
    """Run the service until SIGTERM or SIGINT, on uvloop: the controller's cost per call is
    mostly the event loop's own work per wake-up (bench/RESULTS.md), which uvloop cuts."""
    uvloop.run(service.run_until_signalled())
