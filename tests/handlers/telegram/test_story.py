"""A customer pays over Telegram; support approves and accounting applies it from their groups, real core."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.config import Settings
from bot.contracts.importer import import_contracts, import_customers
from bot.db.models import AuditEvent, Intake, IntakeEvent, Payment, StaffMember
from bot.handlers.telegram import TelegramApp, TelegramSender, build_telegram_application
from bot.handlers.telegram_prompts import PromptBook
from bot.intake.outbox import OutboxDispatcher
from bot.intake.worker import IntakeWorker
from bot.ocr import ReceiptFields, read_receipt, read_text
from bot.service import build_core
from currency.money import Money, format_money
from tests.handlers.telegram import updates
from tests.handlers.telegram.conftest import (
    ACCOUNTANT,
    ACCOUNTING_CHAT,
    AGENT,
    CUSTOMER,
    SUPPORT_CHAT,
    deliver,
    telegram_settings,
)
from tests.handlers.telegram.fake_bot_api import Call, FakeBotApi
from tests.ocr.receipts import STYLES, Truth, encode, format_amount, format_date, render_screenshot

REPO = Path(__file__).resolve().parents[3]
PAID = Decimal("28250.00")
CUSTOMER_USER = updates.user(CUSTOMER, "María José", "Vargas Solano")
AGENT_USER = updates.user(AGENT, "Laura", "Soporte")
ACCOUNTANT_USER = updates.user(ACCOUNTANT, "Mario", "Contable")
STRANGER = updates.user(666, "Curioso", "Ajeno")


def receipt_of_client_1001(paid_on: datetime) -> bytes:
    """A SINPE Movil screenshot of client 1001's monthly fee with IVA, paid to the company."""
    style = next(s for s in STYLES if s.bank == "BCR")
    truth = Truth(
        amount=PAID, currency="CRC", date=paid_on.date(), reference=f"{paid_on:%Y%m%d}01234567890123456",
        payer_name="María José Vargas Solano", payee_name="Wolk Software S.A.",
        description="Mensualidad ID 1001", client_id="1001", bank=style.bank,
        payee_phone="88887777", payer_phone="88112233",
    )
    notes = {"amount_text": format_amount(PAID, "CRC", 0), "date_text": format_date(paid_on, 0)}
    return encode(render_screenshot(truth, notes, style, random.Random(1001), False), "PNG")


class TesseractReader:
    """The real reader in a thread (production uses a process pool of the same function)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def read(self, data: bytes) -> ReceiptFields:
        return await asyncio.to_thread(read_receipt, data, client_id_pattern=self.settings.client_id_pattern)

    async def read_text(self, text: str) -> ReceiptFields:
        return await asyncio.to_thread(read_text, text, client_id_pattern=self.settings.client_id_pattern)


@dataclass
class Paybot:
    """One paybot process with Telegram as its only channel, driven step by step."""

    app: TelegramApp
    dispatcher: OutboxDispatcher
    worker: IntakeWorker
    fake: FakeBotApi

    async def deliver(self, payload: dict[str, Any]) -> None:
        await deliver(self.app, payload)
        await self.settle()

    async def settle(self) -> None:
        """Let the worker read and check everything, and the outbox deliver everything."""
        await self.dispatcher.flush()
        await self.worker.drain()
        await self.dispatcher.flush()

    def card_in(self, chat_id: int) -> dict[str, Any]:
        """The newest message with buttons in a staff chat, as Telegram returns it on a press."""
        call = next(c for c in reversed(self.fake.sent_to(chat_id)) if c.buttons)
        text = call.params.get("text") or call.params.get("caption") or ""
        return updates.bot_message(chat_id, call.result["message_id"], text, call.buttons)


@pytest.fixture
async def paybot(tmp_path: Path, engine: Engine, fake_api: FakeBotApi) -> AsyncIterator[Paybot]:
    settings = telegram_settings(tmp_path, fake_api)
    with Session(engine) as session:
        assert not import_customers(session, (REPO / "data/customers.csv").read_bytes()).errors
        assert not import_contracts(session, (REPO / "data/contracts.csv").read_bytes()).errors
        session.commit()
    core, dispatcher = build_core(settings, engine, TesseractReader(settings))
    app = build_telegram_application(settings, core, PromptBook(engine))
    await app.initialize()
    dispatcher.register(TelegramSender(app.bot, app))
    fake_api.calls.clear()
    yield Paybot(app, dispatcher, IntakeWorker(core.engine, core), fake_api)
    await app.shutdown()


def texts(calls: list[Call]) -> list[str]:
    return [c.params.get("text") or c.params.get("caption") or "" for c in calls]


async def test_receipt_photo_to_applied_payment_all_on_telegram(
    paybot: Paybot, fake_api: FakeBotApi, engine: Engine
) -> None:
    receipt = receipt_of_client_1001(datetime.now() - timedelta(days=1))
    fake_api.add_file("pay-l", receipt)

    await paybot.deliver(updates.update(message=updates.message(
        updates.private_chat(CUSTOMER), CUSTOMER_USER, photo=updates.photo_sizes("pay"),
        caption="Buenas, adjunto el pago de este mes",
    )))

    with Session(engine) as session:
        [intake] = session.exec(select(Intake)).all()
    assert intake.state == "in_review"
    assert len(fake_api.sent_to(CUSTOMER)) == 1, "the customer is told at once that it arrived"
    photo, card = fake_api.sent_to(SUPPORT_CHAT)
    assert photo.method == "sendPhoto" and photo.files["photo"] == receipt
    assert card.params["reply_parameters"]["message_id"] == photo.result["message_id"]
    assert ("✅ Aprobar", f"pay:approve:{intake.id}") in card.buttons

    await paybot.deliver(updates.button_press(STRANGER, paybot.card_in(SUPPORT_CHAT), f"pay:approve:{intake.id}"))
    assert texts(fake_api.sent_to(SUPPORT_CHAT))[-1] == "⛔ No tiene permiso para esta acción."
    assert fake_api.sent_to(ACCOUNTING_CHAT) == []

    await paybot.deliver(updates.button_press(AGENT_USER, paybot.card_in(SUPPORT_CHAT), f"pay:approve:{intake.id}"))

    assert texts(fake_api.sent_to(SUPPORT_CHAT))[-1].startswith(f"✅ Comprobante #{intake.id} aprobado")
    assert "recibido del pago" in texts(fake_api.sent_to(CUSTOMER))[-1]
    [accounting_card] = fake_api.sent_to(ACCOUNTING_CHAT)
    assert ("💰 Aplicado", f"pay:apply:{intake.id}") in accounting_card.buttons
    assert "aprobado por Laura Soporte" in (accounting_card.params.get("caption") or accounting_card.params["text"])

    await paybot.deliver(
        updates.button_press(ACCOUNTANT_USER, paybot.card_in(ACCOUNTING_CHAT), f"pay:apply:{intake.id}")
    )

    customer_texts = texts(fake_api.sent_to(CUSTOMER))
    assert len(customer_texts) == 3
    assert "aplicado" in customer_texts[-1]
    assert format_money(Money(PAID, "CRC")) in customer_texts[-1]
    with Session(engine) as session:
        [payment] = session.exec(select(Payment)).all()
        events = session.exec(select(IntakeEvent).where(IntakeEvent.intake_id == intake.id)).all()
        staff = {event.actor: session.get(StaffMember, event.staff_id) for event in events if event.staff_id}
    assert payment.amount == PAID and payment.applied_by == "Mario Contable"
    assert {name: (member.role, member.telegram_user_id) for name, member in staff.items() if member} == {
        "Laura Soporte": ("support", AGENT), "Mario Contable": ("accounting", ACCOUNTANT)}
    assert fake_api.count("answerCallbackQuery") == 3


async def test_accounting_sends_the_statement_from_the_card_and_the_customer_gets_a_pdf_document(
    paybot: Paybot, fake_api: FakeBotApi, engine: Engine
) -> None:
    fake_api.add_file("st-l", receipt_of_client_1001(datetime.now() - timedelta(days=1)))
    await paybot.deliver(updates.customer_photo(CUSTOMER, "st"))
    with Session(engine) as session:
        [intake] = session.exec(select(Intake)).all()
    card = paybot.card_in(SUPPORT_CHAT)
    statement = f"pay:statement:{intake.id}:1001"
    assert ("📄 Enviar estado de cuenta", statement) in [
        (b["text"], b["callback_data"]) for row in card["reply_markup"]["inline_keyboard"] for b in row]
    await paybot.deliver(updates.button_press(AGENT_USER, card, f"pay:approve:{intake.id}"))
    await paybot.deliver(updates.button_press(ACCOUNTANT_USER, paybot.card_in(ACCOUNTING_CHAT), statement))

    [document] = [call for call in fake_api.sent_to(CUSTOMER) if call.method == "sendDocument"]
    today = datetime.now(ZoneInfo("America/Costa_Rica")).date()
    assert document.file_names["document"] == f"estado-de-cuenta-1001-{today.isoformat()}.pdf"
    assert document.files["document"].startswith(b"%PDF")
    assert "Te compartimos tu estado de cuenta (ID 1001)" in document.params["caption"]
    assert texts(fake_api.sent_to(ACCOUNTING_CHAT))[-1].startswith("✅ Estado de cuenta del ID 1001 enviado")


async def test_support_corrects_a_misread_amount_by_replying_and_the_card_is_redone(
    paybot: Paybot, fake_api: FakeBotApi, engine: Engine
) -> None:
    fake_api.add_file("fix-l", receipt_of_client_1001(datetime.now() - timedelta(days=1)))
    await paybot.deliver(updates.customer_photo(CUSTOMER, "fix"))
    with Session(engine) as session:
        [intake] = session.exec(select(Intake)).all()

    await paybot.deliver(updates.button_press(AGENT_USER, paybot.card_in(SUPPORT_CHAT), f"pay:correct:{intake.id}"))
    question = fake_api.sent_to(SUPPORT_CHAT)[-1]
    asked = updates.bot_message(SUPPORT_CHAT, question.result["message_id"], question.params["text"])
    await paybot.deliver(updates.staff_reply(SUPPORT_CHAT, AGENT_USER, asked, "monto 20000"))

    with Session(engine) as session:
        corrected = session.get(Intake, intake.id)
    assert corrected is not None and corrected.fields["amount"] == "20000.00"
    assert any(text.startswith(f"✅ #{intake.id}: Monto") for text in texts(fake_api.sent_to(SUPPORT_CHAT)))
    new_card = paybot.card_in(SUPPORT_CHAT)
    assert "Monto corregido por" in new_card["text"]
    assert f"Pago incompleto: pagó {format_money(Money(Decimal(20000), 'CRC'))}" in new_card["text"]
    assert new_card["message_id"] != asked["message_id"]


async def test_a_file_over_telegrams_limit_gets_a_clear_answer(
    paybot: Paybot, fake_api: FakeBotApi, engine: Engine
) -> None:
    await paybot.deliver(updates.customer_document(CUSTOMER, "big", "estado.pdf", "application/pdf", 30 * 2**20))

    with Session(engine) as session:
        [intake] = session.exec(select(Intake)).all()
    assert (intake.state, intake.reply_kind) == ("needs_info", "file_too_large")
    [answer] = texts(fake_api.sent_to(CUSTOMER))
    assert "demasiado grande" in answer and "captura de pantalla" in answer
    assert fake_api.count("getFile") == 0


async def test_a_strangers_button_press_and_a_forged_id_are_refused_and_audited(
    paybot: Paybot, fake_api: FakeBotApi, engine: Engine
) -> None:
    fake_api.add_file("audit-l", receipt_of_client_1001(datetime.now() - timedelta(days=1)))
    await paybot.deliver(updates.customer_photo(CUSTOMER, "audit"))
    with Session(engine) as session:
        [intake] = session.exec(select(Intake)).all()
    card = paybot.card_in(SUPPORT_CHAT)

    await paybot.deliver(updates.button_press(STRANGER, card, f"pay:approve:{intake.id}"))
    await paybot.deliver(updates.button_press(AGENT_USER, card, "pay:approve:99999999999999999999999999"))

    with Session(engine) as session:
        refusals = session.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all()
        unchanged = session.get(Intake, intake.id)
    assert unchanged is not None and unchanged.state == "in_review"
    assert [(r.kind, r.channel, r.user, r.action, r.intake_id, r.reason) for r in refusals] == [
        ("staff_action_refused", "telegram", str(STRANGER["id"]), "approve", intake.id, "not_staff"),
        ("staff_action_refused", "telegram", str(AGENT_USER["id"]), "approve", None, "no_such_intake"),
    ]
    assert texts(fake_api.sent_to(SUPPORT_CHAT))[-2:] == [
        "⛔ No tiene permiso para esta acción.", "⛔ No existe el comprobante #99999999999999999999999999."]
