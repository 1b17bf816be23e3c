"""What the story tests share: real receipt screenshots, a conversation through the real core (demo customers,
real OCR, real SQLite), and `paybot run` as a child process."""

from __future__ import annotations

import os
import random
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.config import Settings
from bot.contracts.importer import import_contracts, import_customers
from bot.db.rates import set_manual_rate
from bot.intake.core import InlineReader, IntakeCore
from bot.intake.messages import InboundMessage, OutboundMessage, StaffAction, StaffActionKind, StaffResult
from bot.intake.outbox import OutboxDispatcher
from bot.intake.worker import IntakeWorker
from tests.conftest import REPO
from tests.ocr.receipts import STYLES, Truth, encode, format_amount, format_date, render_screenshot
from tests.processes import Service

TODAY = date(2026, 11, 27)


def receipt_png(
    amount: str,
    *,
    description: str = "Pago ID 1001",
    payee: str = "Wolk Software S.A.",
    on: date = TODAY,
    reference: str | None = None,
    payer: str = "María José Vargas Solano",
    currency: str = "CRC",
    bank: str = "BCR",
    seed: int = 7,
) -> bytes:
    """A clean light-mode screenshot of a receipt with exactly these contents."""
    style = next(s for s in STYLES if s.bank == bank)
    moment = datetime(on.year, on.month, on.day, 9, 41)
    truth = Truth(
        amount=Decimal(amount), currency=currency, date=on,
        reference=reference or f"{on:%Y%m%d}{seed:017d}", payer_name=payer, payee_name=payee,
        description=description, client_id=None, bank=style.bank,
    )
    notes = {"amount_text": format_amount(truth.amount, currency, 0),
             "date_text": format_date(moment, 0)}
    image = render_screenshot(truth, notes, style, random.Random(seed), dark=False)
    return encode(image, "PNG")


class RecordingChannel:
    """The boundary fake: a channel that keeps what it was asked to deliver."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.sent: list[OutboundMessage] = []

    async def send(self, message: OutboundMessage) -> str:
        self.sent.append(message)
        return f"{self.name}-{len(self.sent)}"


@dataclass
class Conversation:
    """Plays the customer and the staff against the real core, and reads what each one received."""

    core: IntakeCore
    dispatcher: OutboxDispatcher
    channel: RecordingChannel
    engine: Engine
    settings: Settings
    _counter: int = 0

    async def customer_sends(self, data: bytes | None = None, *, text: str | None = None,
                             phone: str = "+50688112233", message_id: str | None = None,
                             channel: str = "sandbox") -> int | None:
        self._counter += 1
        intake_id = await self.core.receive(InboundMessage(
            channel=channel, external_id=message_id or f"m{self._counter}", sender=phone, reply_to=phone,
            sender_name="María José", text=text, media=data,
        ))
        await self.settle()
        return intake_id

    async def settle(self) -> None:
        await IntakeWorker(self.core.engine, self.core, name="test").drain()
        await self.dispatcher.flush()

    async def staff(self, role: str, kind: StaffActionKind, intake_id: int, **extra: str) -> StaffResult:
        result = await self.core.act(StaffAction(channel="sandbox", user=role, chat=role, kind=kind,
                                                 intake_id=intake_id, **extra))
        await self.settle()
        return result

    def received_by(self, audience: str) -> list[OutboundMessage]:
        return [m for m in self.channel.sent if m.audience.value == audience]

    def last_to(self, audience: str) -> OutboundMessage:
        return self.received_by(audience)[-1]


class ServiceProcess(Service):
    """`paybot run` as a child process on a loopback port, as the stories start it: its output discarded
    unless `log` names a file, started and healthy within 30 s."""

    def __init__(self, env: dict[str, str], cwd: Path, log: Path | None = None) -> None:
        super().__init__(env, cwd, log=log or Path(os.devnull))

    def start(self, wait: bool = True) -> ServiceProcess:
        super().start(wait=False)
        if wait:
            self.wait_healthy(30)
        return self


def load_demo(engine: Engine) -> None:
    """The demo customers and contracts from data/ (their charges posted on the demo day), and its exchange rate."""
    with Session(engine) as session:
        customers = import_customers(session, (REPO / "data" / "customers.csv").read_bytes())
        assert not customers.errors, customers.errors
        contracts = import_contracts(session, (REPO / "data" / "contracts.csv").read_bytes(), today=TODAY)
        assert not contracts.errors, contracts.errors
        set_manual_rate(session, TODAY, Decimal("503.10"), Decimal("509.85"))
        session.commit()


def conversation_with(engine: Engine, settings: Settings, on: date = TODAY) -> Conversation:
    """The real core on `engine`, at 15:00 on `on` (TODAY), with a channel recording every delivery."""
    channel = RecordingChannel("sandbox")
    core = IntakeCore(settings, engine, InlineReader(settings),
                      now=lambda: datetime(on.year, on.month, on.day, 15, 0, tzinfo=settings.tz))
    dispatcher = OutboxDispatcher(engine, {"sandbox": channel, "telegram": channel}, "test")
    return Conversation(core, dispatcher, channel, engine, settings)
