"""The account over WhatsApp, through the signed webhook and the fake Twilio: a customer asks their balance,
support sends the statement with ESTADO (it arrives as a PDF document) and picks the order with CONTRATO."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.config import Settings
from bot.contracts.importer import import_contracts, import_customers
from bot.db.models import Contract, Intake
from bot.handlers.whatsapp import WhatsAppClient
from tests.handlers.whatsapp.conftest import CUSTOMER, SUPPORT_NUMBER, inbound
from tests.handlers.whatsapp.fake_twilio import FakeTwilio
from tests.handlers.whatsapp.harness import load_demo_customers, paybot_process, public_media, to
from tests.intake.test_account_in_chat import CONTRACTS, CUSTOMERS, TALLER, sms

NBSP = "\u00a0"


async def test_a_customer_asks_the_balance_and_support_sends_the_statement_as_a_pdf_with_estado(
    wa_settings: Settings, engine: Engine, wa_client: WhatsAppClient, twilio: FakeTwilio,
) -> None:
    load_demo_customers(engine)
    with public_media(wa_settings, twilio):
        async with paybot_process(wa_settings, engine, wa_client) as paybot:
            await paybot.post(inbound(sid="SM" + "4" * 32, sender=f"whatsapp:{SUPPORT_NUMBER}", body="AYUDA"))
            await paybot.post(inbound(body="Buenas, ¿cuánto debo?"))
            await paybot.settle()
            await paybot.post(inbound(sid="SM" + "5" * 32, sender=f"whatsapp:{SUPPORT_NUMBER}", body="ESTADO 1001"))
            await paybot.settle()
            [question] = paybot.intakes()

    assert (question.text, question.reply_kind) == ("Buenas, ¿cuánto debo?", "balance"), "the question is stored"
    balance, document, caption = to(twilio.accepted, CUSTOMER)
    assert "Total pendiente: *₡28 250,00*" in balance.form["Body"].replace(NBSP, " ")
    assert "Body" not in document.form and document.form["MediaUrl"].startswith(
        "https://paybot.example.com/media/") and ".pdf?" in document.form["MediaUrl"]
    assert "estado de cuenta (ID 1001)" in caption.form["Body"]
    [fetch] = twilio.fetches
    assert (fetch.status, fetch.content_type) == (200, "application/pdf") and fetch.content.startswith(b"%PDF")
    support = [call.form.get("Body", "") for call in to(twilio.accepted, SUPPORT_NUMBER)]
    assert any("Respondido por el bot: se le dio su saldo" in text for text in support), "support sees it"
    assert any(text.startswith("Estado de cuenta del ID 1001 enviado al cliente") for text in support)


async def test_support_picks_the_order_a_receipt_pays_with_contrato(
    wa_settings: Settings, engine: Engine, wa_client: WhatsAppClient, twilio: FakeTwilio,
) -> None:
    load_demo_customers(engine)
    with Session(engine) as session:
        assert import_customers(session, CUSTOMERS.encode()).ok
        assert import_contracts(session, CONTRACTS.encode()).ok
        session.commit()
    async with paybot_process(wa_settings, engine, wa_client) as paybot:
        await paybot.post(inbound(sid="SM" + "4" * 32, sender=f"whatsapp:{SUPPORT_NUMBER}", body="AYUDA"))
        await paybot.post(inbound(sender=f"whatsapp:{TALLER}", profile_name="Taller",
                                  body=sms("67.800,00", "2026112700000000000000211", "2002", "TALLER EL PISTON SA")))
        await paybot.settle()
        [intake] = paybot.intakes()
        card = to(twilio.accepted, SUPPORT_NUMBER)[-1].form["Body"]
        assert f"CONTRATO {intake.id} WOLK-2002 2" in card, "the card writes the command for the other order"
        await paybot.post(inbound(sid="SM" + "6" * 32, sender=f"whatsapp:{SUPPORT_NUMBER}",
                                  body=f"contrato {intake.id} wolk-2002 2"))
        await paybot.settle()

    with Session(engine) as session:
        chosen = session.get(Intake, intake.id)
        cuota_2 = session.exec(select(Contract).where(Contract.payment_code == "WOLK-2002")
                               .where(Contract.installment == 2)).one()
    assert chosen is not None and chosen.contract_id == cuota_2.id
    replies = [call.form.get("Body", "") for call in to(twilio.accepted, SUPPORT_NUMBER)]
    assert f"#{intake.id}: paga WOLK-2002 · ₡60{NBSP}000,00 cuota 2" in "\n".join(replies)
    chosen_line = f"⚠️ Contrato WOLK-2002 · ₡60{NBSP}000,00 cuota 2"
    assert any(chosen_line in text and "elegido por" in text for text in replies), \
        "support gets the card again, checked against the order chosen"
