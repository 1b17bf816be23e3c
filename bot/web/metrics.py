"""`/metrics` in Prometheus' text format: what the database holds for the whole installation (intakes by state,
outbox messages waiting or failed by channel, reminders due), read at each scrape so every process reports the
same truth, and what this process saw (reading times, read errors by kind, webhook requests by status)."""

from __future__ import annotations

import asyncio
import hmac
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from pydantic import SecretStr
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.db.models import Intake, OutboxMessage, OutboxState, Reminder, ReminderState
from bot.db.types import utcnow
from bot.intake.core import Reader
from bot.intake.states import IntakeState
from bot.ocr import UnreadableReceipt
from bot.ocr.fields import ReceiptFields

READ_BUCKETS = (0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 8.0, 15.0, 30.0, 60.0)
"""Seconds; a normal receipt reads in about half a second on one core, a hostile one is cut at its limit."""
WEBHOOK_PREFIX = "/webhooks/"
SCRAPE_TIMEOUT = 10.0
SCRAPE_REUSE_SECONDS = 1.0
"""Scrapes within this long of the last one get its text: a scrape flood costs the database one count a second."""


class DatabaseCollector(Collector):
    """Gauges counted in the database at each scrape: the same in every process, whichever one answers."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def describe(self) -> list[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        now = utcnow()
        with Session(self.engine) as session:
            by_state = dict(session.exec(select(Intake.state, func.count()).group_by(col(Intake.state))).all())
            outbox = session.exec(
                select(OutboxMessage.channel, OutboxMessage.state, func.count())
                .where(col(OutboxMessage.state).in_([OutboxState.PENDING.value, OutboxState.FAILED.value]))
                .group_by(col(OutboxMessage.channel), col(OutboxMessage.state))
            ).all()
            channels = session.exec(select(OutboxMessage.channel).distinct()).all()
            due = session.exec(
                select(func.count()).select_from(Reminder)
                .where(col(Reminder.state) == ReminderState.PENDING.value).where(col(Reminder.due_at) <= now)
            ).one()
            waiting = session.exec(
                select(func.count()).select_from(Reminder).where(col(Reminder.state) == ReminderState.PENDING.value)
            ).one()
        intakes = GaugeMetricFamily("paybot_intakes", "Intakes in each state (whole installation)", labels=["state"])
        for state in [s.value for s in IntakeState] + sorted(set(by_state) - {s.value for s in IntakeState}):
            intakes.add_metric([state], by_state.get(state, 0))
        yield intakes
        counts = {(channel, state): number for channel, state, number in outbox}
        pending = GaugeMetricFamily("paybot_outbox_pending", "Outbound messages not yet delivered, by channel",
                                    labels=["channel"])
        failed = GaugeMetricFamily("paybot_outbox_failed", "Outbound messages that failed for good, by channel",
                                   labels=["channel"])
        for channel in sorted(channels):
            pending.add_metric([channel], counts.get((channel, OutboxState.PENDING.value), 0))
            failed.add_metric([channel], counts.get((channel, OutboxState.FAILED.value), 0))
        yield pending
        yield failed
        yield GaugeMetricFamily("paybot_reminders_due", "Reminders whose time has come and that are not sent yet",
                                value=due)
        yield GaugeMetricFamily("paybot_reminders_pending", "Reminders waiting, due or not", value=waiting)


class ChildrenReads(Collector):
    """The reading counts of a web process's worker children, summed over every child it has run (a restarted
    worker's counts stay), from the files prometheus_client's multiprocess mode keeps in `path`."""

    NAMES = frozenset({"paybot_read_seconds", "paybot_read_errors"})

    def __init__(self, path: str) -> None:
        self.files = MultiProcessCollector(None, path)

    def describe(self) -> list[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        return (family for family in self.files.collect() if family.name in self.NAMES)


@dataclass
class Metrics:
    """One registry per app: the database gauges and this process's own counters; a web process whose worker is
    its child reports that child's reading counts instead of its own (it never reads)."""

    registry: CollectorRegistry = field(default_factory=lambda: CollectorRegistry(auto_describe=True))
    children_dir: str | None = None

    def __post_init__(self) -> None:
        reads = None if self.children_dir else self.registry
        self.read_seconds = Histogram("paybot_read_seconds", "Wall time of reading one receipt (file or text)",
                                      ["source"], buckets=READ_BUCKETS, registry=reads)
        self.read_errors = Counter("paybot_read_errors", "Files the reader refused or could not read, by kind",
                                   ["kind"], registry=reads)
        if self.children_dir:
            self.registry.register(ChildrenReads(self.children_dir))
        self.webhook_requests = Counter("paybot_webhook_requests", "Webhook requests answered, by channel and status",
                                        ["channel", "status"], registry=self.registry)
        for kind in ("too_large", "too_long", "unreadable", "timeout"):
            self.read_errors.labels(kind)

    def watch_database(self, engine: Engine) -> None:
        self.registry.register(DatabaseCollector(engine))


class MeteredReader:
    """A reader that times every read and counts what it could not read, then answers as the one it wraps."""

    def __init__(self, reader: Reader, metrics: Metrics) -> None:
        self.reader = reader
        self.metrics = metrics

    async def read(self, data: bytes) -> ReceiptFields:
        started = time.perf_counter()
        try:
            return await self.reader.read(data)
        except UnreadableReceipt as error:
            self.metrics.read_errors.labels(error.kind).inc()
            raise
        finally:
            self.metrics.read_seconds.labels("file").observe(time.perf_counter() - started)

    async def read_text(self, text: str) -> ReceiptFields:
        started = time.perf_counter()
        try:
            return await self.reader.read_text(text)
        finally:
            self.metrics.read_seconds.labels("text").observe(time.perf_counter() - started)


class WebhookCounter:
    """ASGI middleware counting each answered request under /webhooks/ by channel and status code."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not path.startswith(WEBHOOK_PREFIX):
            await self.app(scope, receive, send)
            return
        channel = path[len(WEBHOOK_PREFIX):].split("/", 1)[0] or "unknown"
        status = 500

        async def counted(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, counted)
        finally:
            self.metrics.webhook_requests.labels(channel, str(status)).inc()


@dataclass
class Scrapes:
    """One exposition at a time, reused for a moment: concurrent scrapes wait for the one being counted."""

    registry: CollectorRegistry
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    body: bytes = b""
    counted_at: float = float("-inf")

    async def latest(self) -> bytes:
        async with self.lock:
            if time.monotonic() - self.counted_at >= SCRAPE_REUSE_SECONDS:
                self.body = await asyncio.wait_for(asyncio.to_thread(generate_latest, self.registry), SCRAPE_TIMEOUT)
                self.counted_at = time.monotonic()
            return self.body


def authorised(request: Request, token: SecretStr | None) -> bool:
    """Open without a token; with one, only `Authorization: Bearer <token>` (compared in constant time)."""
    if token is None:
        return True
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.get_secret_value().encode())


async def metrics_endpoint(request: Request) -> Response:
    """The registry in Prometheus' text format (the database part counted off the event loop)."""
    if not authorised(request, request.app.state.settings.metrics_token):
        return Response("unauthorised\n", status_code=401, headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
    scrapes: Scrapes = request.app.state.scrapes
    return Response(await scrapes.latest(), media_type=CONTENT_TYPE_LATEST)
