"""The composition root: builds the web app and wires channels, intake core, worker and scheduler."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from types import FrameType
from typing import TYPE_CHECKING, Literal

import uvicorn
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount, Route

from bot.accounting.erp import ErpConfigError, connector_for
from bot.accounting.notices import send_daily_report, send_morning_summary
from bot.collections.reminding import PlannedReminders
from bot.collections.work import CollectionsWork
from bot.config import Settings
from bot.db.session import make_engine
from bot.db.types import utcnow
from bot.handlers.email import EmailSender, SmtpServer
from bot.heartbeat import BEAT_SECONDS, beat, keep_beating
from bot.intake.claims import worker_name
from bot.intake.core import IntakeCore, Reader
from bot.intake.delivery import handle_undelivered
from bot.intake.outbox import RELEASE_EVERY, OutboxDispatcher, RetryPolicy
from bot.intake.reminders import DueReminders
from bot.intake.replies import Replies
from bot.intake.retention import ReceiptMediaRetention, RejectedMediaCleaner
from bot.intake.sending import Messenger
from bot.intake.staff import seed_staff
from bot.intake.worker import IntakeWorker
from bot.leadership import lead, scheduler_lock
from bot.media_store import MediaStore, media_store
from bot.scheduler import Job, PeriodicWork, charge_new_periods, refresh_todays_rate
from bot.supervisor import CHILD_NICENESS, INTAKE, OUTBOX, ChildRole, Supervisor, die_with, tell_started, woken
from bot.web.connections import connection_limits, guarded_protocol
from bot.web.health import ChannelHealth, ChannelState, HealthReportingSender, healthz
from bot.web.limits import FORM_OVERHEAD, BodySizeLimit
from bot.web.local_only import is_loopback
from bot.web.metrics import MeteredReader, Metrics, Scrapes, WebhookCounter, metrics_endpoint
from bot.web.timing import ServerTiming

if TYPE_CHECKING:
    from bot.ocr import ReaderPool, ReceiptFields

log = logging.getLogger(__name__)


def channel_summary(settings: Settings) -> list[str]:
    """Say which channels will run and how to turn on the others."""
    lines = []
    if settings.telegram_enabled:
        mode = "polling" if settings.telegram_polling else "webhook"
        lines.append(f"Telegram: activo ({mode})")
    else:
        lines.append("Telegram: apagado (configure PAYBOT_TELEGRAM_TOKEN para activarlo)")
    if settings.whatsapp_enabled:
        public = settings.public_url or "<url pública>"
        lines.append(f"WhatsApp: activo (webhook de Twilio en {public}/webhooks/whatsapp)")
    else:
        lines.append("WhatsApp: apagado (configure PAYBOT_TWILIO_ACCOUNT_SID y PAYBOT_TWILIO_AUTH_TOKEN "
                     "para activarlo)")
    if sandbox_enabled(settings):
        lines.append(f"Sandbox: activo en http://{settings.host}:{settings.port}/")
    return lines


def configuration_problems(settings: Settings) -> list[str]:
    """Settings that would make a configured channel fail at start or lose messages, said plainly."""
    problems = []
    if settings.telegram_enabled and not settings.telegram_polling and settings.telegram_webhook_secret is None:
        problems.append(
            "Telegram con webhook necesita PAYBOT_TELEGRAM_WEBHOOK_SECRET (o configure PAYBOT_TELEGRAM_POLLING=true)"
        )
    if settings.telegram_enabled and (
        settings.telegram_support_chat_id is None or settings.telegram_accounting_chat_id is None
    ) and not (settings.whatsapp_support_numbers and settings.whatsapp_accounting_numbers):
        problems.append("Telegram necesita PAYBOT_TELEGRAM_SUPPORT_CHAT_ID y PAYBOT_TELEGRAM_ACCOUNTING_CHAT_ID "
                        "(los grupos del personal a los que van las tarjetas)")
    if settings.whatsapp_enabled and not settings.twilio_whatsapp_from:
        problems.append("WhatsApp necesita PAYBOT_TWILIO_WHATSAPP_FROM "
                        "(nuestro remitente, p. ej. whatsapp:+50640000000)")
    if settings.whatsapp_enabled and not settings.public_url:
        problems.append(
            "WhatsApp necesita PAYBOT_PUBLIC_URL (la URL https que llama Twilio; las firmas se verifican contra ella)"
        )
    if settings.access_webhook_url and settings.access_webhook_secret is None:
        problems.append("PAYBOT_ACCESS_WEBHOOK_URL necesita PAYBOT_ACCESS_WEBHOOK_SECRET (la clave con que se firma "
                        "cada aviso de bloqueo o desbloqueo)")
    if sandbox_enabled(settings) and not is_loopback(settings.host):
        problems.append(
            f"el sandbox deja que cualquiera actúe como personal, así que solo se sirve en esta máquina: "
            f"PAYBOT_HOST={settings.host} no es una dirección local (use 127.0.0.1, o configure Telegram o WhatsApp "
            "para servir en otras direcciones)"
        )
    try:
        connector_for(settings)
    except ErpConfigError as error:
        problems.append(f"el conector del ERP ({settings.erp_connector}): {error}")
    return problems


STAFF_TEMPLATE_KINDS = ("support_card", "accounting_card", "staff_note")
CUSTOMER_TEMPLATE_KINDS = ("customer_reply", "reminder")


def template_gaps(settings: Settings) -> list[str]:
    """Which WhatsApp message kinds have no approved template, and what happens to them outside the window."""
    if not settings.whatsapp_enabled:
        return []
    staff_on_whatsapp = bool(settings.whatsapp_support_numbers or settings.whatsapp_accounting_numbers)
    kinds = CUSTOMER_TEMPLATE_KINDS + (STAFF_TEMPLATE_KINDS if staff_on_whatsapp else ())
    missing = [kind for kind in kinds if settings.whatsapp_template(kind) is None]
    if not missing:
        return []
    staff_missing = [kind for kind in missing if kind in STAFF_TEMPLATE_KINDS]
    lines = [
        f"WhatsApp: sin plantilla aprobada para {', '.join(missing)} (configure PAYBOT_TWILIO_TEMPLATES o "
        "PAYBOT_TWILIO_TEMPLATE_SID); fuera de la ventana de 24 horas esos mensajes no pueden ir por WhatsApp"
    ]
    if staff_missing:
        telegram = settings.telegram_enabled and (
            settings.telegram_support_chat_id is not None or settings.telegram_accounting_chat_id is not None)
        lines.append(
            "Personal en WhatsApp: una tarjeta o nota a un número que no ha escrito en 24 horas "
            + ("va al grupo del personal en Telegram, y se avisa a soporte"
               if telegram else "falla, y se avisa a soporte por otro número de soporte si hay uno")
        )
    return lines


def sandbox_enabled(settings: Settings) -> bool:
    """The sandbox lets anyone act as staff, so it only runs when no real channel is configured."""
    return not (settings.telegram_enabled or settings.whatsapp_enabled)


class PooledReader:
    """Images and pasted texts both read in the pool's worker processes: never on the event loop, never
    holding the service's interpreter lock, and bounded by the reader's time limit."""

    def __init__(self, pool: ReaderPool, settings: Settings) -> None:
        self.pool = pool
        self.settings = settings

    async def read(self, data: bytes) -> ReceiptFields:
        return await self.pool.read(data)

    async def read_text(self, text: str) -> ReceiptFields:
        from bot.ocr import read_text

        reading = partial(read_text, client_id_pattern=self.settings.client_id_pattern)
        return await self.pool.run(reading, text, limit=float(self.settings.ocr_timeout_seconds))


Role = Literal["web", "worker", "scheduler", "all"]
ROLES: tuple[Role, ...] = ("web", "worker", "scheduler", "all")
"""What one `paybot run` process does: web answers webhooks, the sandbox and /healthz and never reads; worker
reads, checks and sends; scheduler runs the periodic jobs (one at a time across processes); all: everything."""
WORKER_POLL_SECONDS = 1.0
SLOTS_PER_READER = 2
"""Receipts a worker takes up per reader: while one is read, the other is checked, routed or waits for the reader,
so readers never sit idle while a receipt's database work is done."""
"""How often a worker without work looks for intakes another process stored (its own arrive at once)."""


class NoReading:
    """The reader of a web process: it stores what arrives and never reads (the workers do)."""

    async def read(self, data: bytes) -> ReceiptFields:
        raise RuntimeError("a web process never reads receipts")

    async def read_text(self, text: str) -> ReceiptFields:
        raise RuntimeError("a web process never reads receipts")


@dataclass
class Service:
    """Everything one `paybot run` process holds, for the lifespan to start and stop."""

    settings: Settings
    engine: Engine
    core: IntakeCore
    dispatcher: OutboxDispatcher
    worker: IntakeWorker
    periodic: PeriodicWork
    role: Role = "all"
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @property
    def reads(self) -> bool:
        return self.role in ("worker", "all")

    @property
    def serves_channels(self) -> bool:
        return self.role in ("web", "all")

    @property
    def schedules(self) -> bool:
        return self.role in ("scheduler", "all")

    def new_periodic_work(self) -> PeriodicWork:
        """A fresh scheduler of the periodic jobs (each leadership starts one)."""
        self.periodic = PeriodicWork(self.engine, periodic_jobs(self.settings, self.engine, self.core,
                                                                self.dispatcher, self.worker),
                                     self.settings.tz)
        return self.periodic


def build_core(settings: Settings, engine: Engine, reader: Reader, clock: Callable[[], datetime] = utcnow,
               media: MediaStore | None = None) -> tuple[IntakeCore, OutboxDispatcher]:
    """The core and its outbox dispatcher, with the sandbox channel registered when it runs; the staff the
    settings list are added to the staff records first."""
    with Session(engine) as session:
        seed_staff(session, settings)
        session.commit()
    core = IntakeCore(settings, engine, reader, media=media)
    policy = RetryPolicy(give_up_after=timedelta(hours=settings.send_retry_hours))
    dispatcher = OutboxDispatcher(engine, {}, worker_name(), policy=policy, clock=clock,
                                  on_failure=partial(handle_undelivered, core.messenger))
    dispatcher.wakeup = core.outbox_ready
    if sandbox_enabled(settings):
        from bot.handlers.sandbox import SandboxSender

        dispatcher.register(SandboxSender())
    if settings.email_enabled:
        dispatcher.register(email_sender(settings, core.messenger.replies, core.media))
    if settings.access_webhook_url and settings.access_webhook_secret is not None:
        from bot.collections.webhook import AccessWebhookSender

        dispatcher.register(AccessWebhookSender(settings.access_webhook_secret.get_secret_value()))
    return core, dispatcher


def email_sender(settings: Settings, replies: Replies, media: MediaStore | None = None) -> EmailSender:
    """The e-mail channel on the PAYBOT_SMTP_* server, its HTML part rendered from each script's text."""
    from bot.collections.contact import subject_of

    password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
    server = SmtpServer(host=settings.smtp_host, port=settings.smtp_port, sender=settings.smtp_from,
                        security=settings.smtp_security, user=settings.smtp_user, password=password,
                        timeout=settings.smtp_timeout_seconds)
    return EmailSender(server, partial(replies.html_email, company=settings.company_name),
                       partial(subject_of, settings.company_name), (media or media_store(settings)).read)


def periodic_jobs(settings: Settings, engine: Engine, core: IntakeCore, dispatcher: OutboxDispatcher,
                  worker: IntakeWorker | None = None) -> list[Job]:
    """The service's periodic work. Each job is a scan of rows that are due, so running it late or once for
    several missed runs loses nothing: they coalesce and have no grace limit."""
    reminders = DueReminders(engine, core.messenger)
    cleaner = RejectedMediaCleaner(engine, settings.rejected_media_days, core.media)
    claims = worker or IntakeWorker(engine, core)
    collections = CollectionsWork(engine, core.messenger, core.now)
    planned = PlannedReminders(engine, core.messenger, core.now)

    async def send_due_reminders() -> None:
        if await asyncio.to_thread(reminders.send_due, core.now()):
            core.outbox_ready.set()

    async def collect() -> None:
        if await asyncio.to_thread(collections.run_once):
            core.outbox_ready.set()

    async def plan_reminders() -> None:
        await asyncio.to_thread(planned.plan)

    async def send_planned_reminders() -> None:
        if await asyncio.to_thread(planned.send_due):
            core.outbox_ready.set()

    async def sweep_claims() -> None:
        """Work held by a process of this host that died (SIGKILL, a crash) is due again at once."""
        if await asyncio.to_thread(dispatcher.release_dead_claims):
            core.outbox_ready.set()
        if await asyncio.to_thread(claims.release_dead_claims):
            core.intake_ready.set()

    async def delete_expired_media() -> None:
        await asyncio.to_thread(cleaner.delete_all_expired)

    async def refresh_rate() -> None:
        await asyncio.to_thread(refresh_todays_rate, settings, engine, core.now())

    async def heartbeat() -> None:
        await asyncio.to_thread(beat, engine, "scheduler", worker_name())

    async def charge_periods() -> None:
        await asyncio.to_thread(charge_new_periods, settings, engine, core.now())

    jobs = [
        Job("reminders", IntervalTrigger(seconds=30), send_due_reminders, coalesce=True, misfire_grace_seconds=None),
        Job("collections", IntervalTrigger(seconds=60), collect, coalesce=True, misfire_grace_seconds=None),
        # Today's collections reminders written as rows (each once), then sent in business hours, paced.
        Job("plan-reminders", CronTrigger(hour=0, minute=15), plan_reminders, coalesce=True,
            misfire_grace_seconds=None),
        Job("planned-reminders", IntervalTrigger(seconds=60), send_planned_reminders, coalesce=True,
            misfire_grace_seconds=None),
        Job("outbox-sweep", IntervalTrigger(seconds=RELEASE_EVERY), sweep_claims, coalesce=True,
            misfire_grace_seconds=None),
        Job("rejected-media", IntervalTrigger(hours=1), delete_expired_media, coalesce=True,
            misfire_grace_seconds=None),
        Job("scheduler-heartbeat", IntervalTrigger(seconds=BEAT_SECONDS), heartbeat, coalesce=True,
            misfire_grace_seconds=None),
        # Each monthly or annual period's charge, the day it starts (and at once the first time).
        Job("period-charges", CronTrigger(hour=0, minute=5), charge_periods, coalesce=True,
            misfire_grace_seconds=None),
    ]
    if settings.rates_url:
        jobs.append(Job("exchange-rate", CronTrigger(minute=0), refresh_rate, coalesce=True,
                        misfire_grace_seconds=None))
    if settings.media_retention_days is not None:
        retention = ReceiptMediaRetention(engine, settings.media_retention_days, core.media)

        async def delete_old_receipt_images() -> None:
            await asyncio.to_thread(retention.delete_all_expired)

        jobs.append(Job("receipt-media", IntervalTrigger(hours=1), delete_old_receipt_images, coalesce=True,
                        misfire_grace_seconds=None))
    return jobs + accounting_jobs(settings, engine, core)


MORNING_GRACE_SECONDS = 6 * 3600
"""A morning message missed by more than this (the service was down all morning) waits for the next day."""


def accounting_jobs(settings: Settings, engine: Engine, core: IntakeCore) -> list[Job]:
    """Accounting's periodic work: payments due for the ERP (when a connector is configured), the morning
    summary of payments not synced and yesterday's payments report, each at its time in settings and sent
    once a day (the outbox key is the day)."""
    def daily(send: Callable[[Session, Messenger, date], object]) -> Callable[[], Awaitable[None]]:
        def run() -> None:
            with Session(engine) as session:
                send(session, core.messenger, core.now().astimezone(settings.tz).date())
                session.commit()

        async def job() -> None:
            await asyncio.to_thread(run)
            core.outbox_ready.set()

        return job

    async def sync_with_erp() -> None:
        erp = core.erp
        if erp is None:
            return
        await asyncio.to_thread(erp.release_dead_claims)
        if await erp.run_due():
            core.outbox_ready.set()

    def at(hh_mm: str) -> CronTrigger:
        hour, minute = (int(part) for part in hh_mm.split(":"))
        return CronTrigger(hour=hour, minute=minute, timezone=settings.tz)

    jobs = [Job("payments-report", at(settings.accounting_report_time), daily(send_daily_report), coalesce=True,
                misfire_grace_seconds=MORNING_GRACE_SECONDS, at_first_start=False)]
    if core.erp is not None:
        jobs += [
            Job("erp-sync", IntervalTrigger(seconds=5), sync_with_erp, coalesce=True, misfire_grace_seconds=None),
            Job("sync-summary", at(settings.accounting_summary_time), daily(send_morning_summary), coalesce=True,
                misfire_grace_seconds=MORNING_GRACE_SECONDS, at_first_start=False),
        ]
    return jobs


def build_app(settings: Settings, engine: Engine | None = None, reader: Reader | None = None,
              role: Role = "all", *, lowered: int = 0, wake: Callable[[bytes], None] | None = None,
              children_metrics: str | None = None) -> Starlette:
    """Build the service for `settings` in `role`; nothing starts until the app's lifespan does. `lowered`: steps
    this process already runs below the web process (its readers go no lower than usual); `wake`: how a web
    process tells its worker children that an intake or a message is waiting; `children_metrics`: where they keep
    their reading counts for this process's `/metrics`."""
    engine = engine or make_engine(settings.database_url)
    pool = None
    if reader is None and role in ("worker", "all"):
        from bot.ocr import ReaderPool
        from bot.ocr.pool import NICENESS

        pool = ReaderPool(workers=settings.ocr_workers, client_id_pattern=settings.client_id_pattern,
                          timeout=settings.ocr_timeout_seconds, max_bytes=settings.max_upload_bytes,
                          engine=settings.ocr_engine, niceness=max(0, NICENESS - lowered))
        reader = PooledReader(pool, settings)
    metrics = Metrics(children_dir=children_metrics)
    metrics.watch_database(engine)
    media = media_store(settings)
    core, dispatcher = build_core(settings, engine, MeteredReader(reader or NoReading(), metrics), media=media)
    readers = settings.ocr_workers or os.cpu_count() or 1
    worker = IntakeWorker(engine, core, concurrency=SLOTS_PER_READER * readers)
    service = Service(settings, engine, core, dispatcher, worker,
                      PeriodicWork(engine, [], settings.tz), role)
    routes: list[BaseRoute] = [Route("/healthz", healthz), Route("/metrics", metrics_endpoint)]
    health = ChannelHealth({
        "telegram": ChannelState.DEGRADED if settings.telegram_enabled else ChannelState.OFF,
        "whatsapp": ChannelState.OK if settings.whatsapp_enabled else ChannelState.OFF,
        "sandbox": ChannelState.OK if sandbox_enabled(settings) else ChannelState.OFF,
    })
    # Channels, in the order their routes are matched. Each only translates to and from the core. Web
    # processes take what arrives; workers send; both hold the channel's client.
    telegram = None
    if settings.telegram_enabled and (service.serves_channels or service.reads):
        from bot.handlers.telegram import TelegramSender, build_telegram_application, telegram_webhook_route
        from bot.handlers.telegram_prompts import PromptBook

        telegram = build_telegram_application(settings, core, PromptBook(engine))
        dispatcher.register(HealthReportingSender(TelegramSender(telegram.bot, telegram, media.read), health))
        secret = settings.telegram_webhook_secret
        if service.serves_channels and not settings.telegram_polling and secret is not None:
            routes.append(telegram_webhook_route(telegram, secret.get_secret_value(),
                                                 max_bytes=settings.webhook_max_bytes))
    whatsapp = None
    if settings.whatsapp_enabled and (service.serves_channels or service.reads):
        from bot.handlers.whatsapp import CHANNEL as WHATSAPP
        from bot.handlers.whatsapp import build_whatsapp_client, whatsapp_webhook_route
        from bot.web.media_links import MediaLinks, signed_media_route

        links = MediaLinks.from_settings(settings, media=media)
        whatsapp = build_whatsapp_client(settings, engine, links=links,
                                         messages_per_second=settings.whatsapp_messages_per_second)
        dispatcher.register(HealthReportingSender(whatsapp.sender, health))
        if service.reads:
            core.fetch_media_with(WHATSAPP, whatsapp.media)
        if service.serves_channels:
            routes.append(whatsapp_webhook_route(settings, core, whatsapp))
            routes.append(signed_media_route(links))
    if sandbox_enabled(settings) and service.serves_channels:
        from bot.handlers.sandbox import sandbox_routes

        routes.extend(sandbox_routes(core, settings.max_upload_bytes))
    if service.serves_channels:
        # The staff portal: the same core actions as the chats, behind a staff login.
        from bot.portal.app import portal_app

        routes.append(Mount("/portal", app=portal_app(settings, engine, core, clock=core.now, media=media,
                                                      collections=core.collections.desk)))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        core.intake_ready = asyncio.Event()
        core.outbox_ready = asyncio.Event()
        dispatcher.wakeup = core.outbox_ready
        if service.serves_channels:
            for gap in template_gaps(settings):
                log.warning(gap)
            await asyncio.to_thread(core.warm_up)
        service.tasks = []
        if telegram is not None:
            from bot.handlers.telegram import keep_starting_telegram

            # Telegram being down must not stop WhatsApp, the workers or /healthz: it starts in the background.
            service.tasks.append(asyncio.create_task(
                keep_starting_telegram(telegram, settings, on_started=lambda: health.set("telegram", ChannelState.OK),
                                       receives=service.serves_channels),
                name="telegram-start"))
        working: dict[str, Callable[[], bool]] = {}
        if service.reads:
            poll = 2.0 if role == "all" else WORKER_POLL_SECONDS
            reading = asyncio.create_task(service.worker.run(poll_seconds=poll), name="intake-worker")
            sending = asyncio.create_task(dispatcher.run(), name="outbox")
            service.tasks += [reading, sending]
            working = {"worker": lambda: not reading.done(), "outbox": lambda: not sending.done()}
        if service.schedules:
            lock = scheduler_lock(settings.database_url, settings.data_dir)
            service.tasks.append(asyncio.create_task(
                lead(lock, lambda: service.new_periodic_work().start(), lambda: service.periodic.stop()),
                name="scheduler-leadership"))
        if working:
            service.tasks.append(asyncio.create_task(keep_beating(engine, worker_name(), working), name="heartbeat"))
        if wake is not None:
            service.tasks += [asyncio.create_task(forward(core.intake_ready, INTAKE, wake), name="wake-intake"),
                              asyncio.create_task(forward(core.outbox_ready, OUTBOX, wake), name="wake-outbox")]
        log.info("paybot started (%s)", role)
        try:
            yield
        finally:
            for task in service.tasks:
                task.cancel()
            for task in service.tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            service.periodic.stop()
            if telegram is not None:
                from bot.handlers.telegram import stop_telegram

                await stop_telegram(telegram)
            if whatsapp is not None:
                await whatsapp.aclose()
            await asyncio.to_thread(service.core.close)
            if pool is not None:
                pool.close()
            log.info("paybot stopped")

    body_limit = max(settings.max_upload_bytes + FORM_OVERHEAD, settings.webhook_max_bytes)
    app = Starlette(routes=routes, lifespan=lifespan, middleware=[
        Middleware(ServerTiming), Middleware(WebhookCounter, metrics=metrics),
        Middleware(BodySizeLimit, limit=body_limit)])
    app.state.settings = settings
    app.state.metrics = metrics
    app.state.scrapes = Scrapes(metrics.registry)
    app.state.channels = health
    app.state.engine = engine
    app.state.service = service
    return app


GRACEFUL_SHUTDOWN_SECONDS = 5
INTERPRETER_SWITCH_SECONDS = 0.001


async def forward(event: asyncio.Event, what: bytes, wake: Callable[[bytes], None]) -> None:
    """Pass each setting of `event` on to the worker processes."""
    while True:
        await event.wait()
        event.clear()
        wake(what)


class SupervisingServer(uvicorn.Server):
    """The web process's server: a signal that stops it stops its children at the same time."""

    def __init__(self, config: uvicorn.Config, supervisor: Supervisor) -> None:
        super().__init__(config)
        self.supervisor = supervisor

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self.supervisor.signal_all(signal.SIGTERM)
        super().handle_exit(sig, frame)


def serve(settings: Settings, role: Role = "all") -> int:
    """Run the service in `role` until SIGINT or SIGTERM; role all runs as a web process with its worker and
    scheduler as child processes, unless PAYBOT_SINGLE_PROCESS. Returns the exit status."""
    supervisor = None
    if role == "all" and not settings.single_process:
        supervisor = Supervisor()
        app = build_app(settings, role="web", wake=supervisor.wake, children_metrics=supervisor.metrics_dir)
    else:
        app = build_app(settings, role=role)
    max_connections, backlog = connection_limits(settings.max_connections)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        lifespan="on",
        proxy_headers=True,
        http=guarded_protocol(settings.request_header_seconds, settings.request_body_seconds, max_connections),
        backlog=backlog,
        log_config=None,
        # SIGTERM must stop the service within seconds: open connections get this long, then the
        # lifespan ends and the reader pool kills any worker still reading.
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )
    # uvicorn re-raises the signal it caught once it has shut down; a SIGTERM that already
    # stopped us cleanly should end the process with status 0, not "killed by SIGTERM".
    signal.signal(signal.SIGTERM, lambda _signum, _frame: None)
    # python-telegram-bot 22 warns on every rate-limited call unless told to use timedelta values.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    # The thread storing a receipt gives up the interpreter at every database call; under load it waits for
    # it again up to this long behind reading and sending threads (Python's default 5 ms, several times
    # per receipt), so acknowledgements stay quick.
    sys.setswitchinterval(INTERPRETER_SWITCH_SECONDS)
    if supervisor is None:
        asyncio.run(uvicorn.Server(config).serve())
        return 0
    server = SupervisingServer(config, supervisor)

    def stop_service() -> None:
        server.should_exit = True

    async def supervised() -> None:
        supervisor.start()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, supervisor.signal_all, signal.SIGTERM)
        await supervisor.started()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
        signal.signal(signal.SIGTERM, lambda _signum, _frame: None)
        if supervisor.stopping:
            return
        watching = asyncio.create_task(supervisor.watch(stop_service), name="supervisor")
        try:
            await server.serve()
        finally:
            watching.cancel()

    try:
        asyncio.run(supervised())
    finally:
        supervisor.stop()
    return 1 if supervisor.failed else 0


def serve_child(settings: Settings, role: ChildRole, parent: int, wake_fd: int | None,
                ready_fd: int | None = None) -> int:
    """Run `role` as a child of the web process `parent`: no port of its own, a lower CPU priority, gone
    when its parent is, woken by it through `wake_fd`, telling it through `ready_fd` once started; stops on
    SIGTERM or SIGINT."""
    die_with(parent)
    with contextlib.suppress(OSError):
        os.nice(CHILD_NICENESS)
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    sys.setswitchinterval(INTERPRETER_SWITCH_SECONDS)
    app = build_app(settings, role=role, lowered=CHILD_NICENESS)

    async def run() -> None:
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        async with app.router.lifespan_context(app):
            core = app.state.service.core
            tell_started(ready_fd)
            if wake_fd is not None:
                os.set_blocking(wake_fd, False)
                loop.add_reader(wake_fd, woken, wake_fd, core.intake_ready, core.outbox_ready)
            await stop.wait()
            if wake_fd is not None:
                loop.remove_reader(wake_fd)

    asyncio.run(run())
    return 0
