"""One paybot process in a test: the real core, worker, outbox and WhatsApp webhook, driven step by step."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from starlette.applications import Starlette

from bot.config import Settings
from bot.contracts.importer import import_contracts, import_customers
from bot.db.models import Intake
from bot.db.types import utcnow
from bot.handlers.whatsapp import WhatsAppClient
from bot.intake.core import InlineReader, IntakeCore
from bot.intake.messages import ChannelSender
from bot.intake.outbox import OutboxDispatcher
from bot.intake.worker import IntakeWorker
from bot.service import build_core
from bot.web.media_links import MediaLinks, signed_media_route
from tests.conftest import REPO
from tests.handlers.whatsapp.conftest import PUBLIC_URL, signed, webhook_client
from tests.handlers.whatsapp.fake_twilio import Call, FakeTwilio, LoopbackServer
from tests.stories import receipt_png

YESTERDAY = (utcnow() - timedelta(days=1)).astimezone(ZoneInfo("America/Costa_Rica")).date()
RECEIPT = receipt_png("28250.00", description="Mensualidad ID 1001", on=YESTERDAY)
"""A real screenshot of a receipt from demo customer 1001: the real reader runs on it."""


@dataclass
class Paybot:
    """The running pieces of one paybot process."""

    core: IntakeCore
    dispatcher: OutboxDispatcher
    worker: IntakeWorker
    http: httpx.AsyncClient
    engine: Engine

    async def post(self, params: dict[str, str]) -> httpx.Response:
        """Twilio posting a signed webhook, after its forged twin (signed with another key) is refused."""
        forged = await self.http.post("/webhooks/whatsapp", data=params,
                                      headers=signed(params, token="not-our-auth-token"))
        assert forged.status_code == 403
        response = await self.http.post("/webhooks/whatsapp", data=params, headers=signed(params))
        assert response.status_code == 200
        return response

    async def settle(self) -> None:
        """Let the worker read and check everything, and the outbox deliver everything due."""
        await self.dispatcher.flush()
        await self.worker.drain()
        await self.dispatcher.flush()

    def intakes(self) -> list[Intake]:
        with Session(self.engine) as session:
            return list(session.exec(select(Intake).order_by(Intake.id)).all())  # type: ignore[arg-type]


def load_demo_customers(engine: Engine) -> None:
    with Session(engine) as session:
        assert not import_customers(session, (REPO / "data/customers.csv").read_bytes()).errors
        assert not import_contracts(session, (REPO / "data/contracts.csv").read_bytes()).errors
        session.commit()


@asynccontextmanager
async def paybot_process(settings: Settings, engine: Engine, client: WhatsAppClient,
                         *extra_senders: ChannelSender,
                         clock: Callable[[], datetime] = utcnow) -> AsyncIterator[Paybot]:
    """The core, outbox and webhook of one process, with WhatsApp (and any other senders) registered."""
    core, dispatcher = build_core(settings, engine, InlineReader(settings), clock=clock)
    dispatcher.register(client.sender)
    core.fetch_media_with("whatsapp", client.media)
    for sender in extra_senders:
        dispatcher.register(sender)
    async with webhook_client(settings, core, client) as http:
        yield Paybot(core, dispatcher, IntakeWorker(core.engine, core), http, engine)


@contextmanager
def public_media(settings: Settings, twilio: FakeTwilio,
                 clock: Callable[[], datetime] = utcnow) -> Iterator[MediaLinks]:
    """paybot's signed-media route served on loopback, reached by the fake Twilio through PUBLIC_URL."""
    links = MediaLinks.from_settings(settings, clock)
    server = LoopbackServer(Starlette(routes=[signed_media_route(links)]))
    server.start()
    twilio.proxies[PUBLIC_URL] = server.base_url
    try:
        yield links
    finally:
        server.stop()


def to(calls: list[Call], number: str) -> list[Call]:
    """The calls addressed to `number` (written with or without "whatsapp:")."""
    return [call for call in calls if call.form["To"] == f"whatsapp:{number.removeprefix('whatsapp:')}"]
