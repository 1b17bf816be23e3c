"""A staff card always reaches someone: inside the window as text, outside it as the approved template
for its kind, and with no template by the other staff channel, with support told once."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.config import Settings, TwilioTemplate
from bot.db.models import IntakeEvent, OutboxMessage
from bot.handlers.telegram import TelegramApp, TelegramSender, build_telegram_application
from bot.handlers.telegram_prompts import PromptBook
from bot.handlers.whatsapp import WhatsAppClient
from bot.intake.core import InlineReader
from bot.intake.messages import Audience, OutboundMessage
from bot.service import build_core, template_gaps
from tests.handlers.telegram.fake_bot_api import TOKEN, FakeBotApi
from tests.handlers.whatsapp.conftest import (
    ACCOUNTING_NUMBER,
    CUSTOMER,
    PUBLIC_URL,
    SUPPORT_NUMBER,
    TEMPLATE_SID,
    inbound,
)
from tests.handlers.whatsapp.fake_twilio import Failure, FakeTwilio
from tests.handlers.whatsapp.harness import RECEIPT, load_demo_customers, paybot_process, public_media, to

SUPPORT_TEMPLATE = "HX" + "5" * 32
ACCOUNTING_TEMPLATE = "HX" + "6" * 32
CUSTOMER_TEMPLATE = "HX" + "7" * 32
SUPPORT_CHAT = -1001111
ACCOUNTING_CHAT = -1002222


def variables(call: Any) -> dict[str, str]:
    return dict(json.loads(call.form["ContentVariables"]))


async def test_staff_outside_the_window_get_the_template_of_their_card_with_its_variables(
    wa_settings: Settings, engine: Engine, wa_client: WhatsAppClient, twilio: FakeTwilio
) -> None:
    settings = wa_settings.model_copy(update={"twilio_templates": {
        "support_card": TwilioTemplate(sid=SUPPORT_TEMPLATE, variables={"1": "intake_id", "2": "text"}),
        "accounting_card": TwilioTemplate(sid=ACCOUNTING_TEMPLATE,
                                          variables={"1": "intake_id", "2": "title", "3": "media"}),
    }})
    twilio.media_templates[ACCOUNTING_TEMPLATE] = f"{PUBLIC_URL}/{{{{3}}}}"
    wa_client.sender.settings = settings
    load_demo_customers(engine)
    with public_media(settings, twilio):
        async with paybot_process(settings, engine, wa_client) as paybot:
            url = twilio.serve_media("ME-receipt", RECEIPT)
            await paybot.post(inbound(body="Adjunto el pago", media=[(url, "image/png")]))
            await paybot.settle()
            [intake] = paybot.intakes()
            [card] = to(twilio.accepted, SUPPORT_NUMBER)

            assert card.form["ContentSid"] == SUPPORT_TEMPLATE and "Body" not in card.form
            first, text = variables(card).values()
            assert first == str(intake.id)
            assert text.startswith(f"🧾 Comprobante #{intake.id}") and len(text) <= 800
            assert text.endswith(f"PRORROGA {intake.id} · ESTADO 1001 · RECORDAR 1001"), \
                "the commands, with the number, survive"

            await paybot.post(inbound(sid="SM" + "3" * 32, sender=f"whatsapp:{SUPPORT_NUMBER}",
                                      body=f"APROBAR {intake.id}"))
            await paybot.settle()

    [accounting] = to(twilio.accepted, ACCOUNTING_NUMBER)
    assert accounting.form["ContentSid"] == ACCOUNTING_TEMPLATE
    number, title, media = variables(accounting).values()
    assert number == str(intake.id) and title.startswith(f"💰 Pago por aplicar #{intake.id}")
    assert media.startswith(f"media/{intake.media_sha256}.png?expires=")
    [fetch] = twilio.fetches
    assert (fetch.status, fetch.content) == (200, RECEIPT), "the media template's image was fetched"
    approved_reply = to(twilio.accepted, SUPPORT_NUMBER)[1]
    assert "Body" in approved_reply.form, "support opened its window by writing"


async def test_twilio_saying_the_window_is_closed_is_believed(
    wa_client: WhatsAppClient, twilio: FakeTwilio
) -> None:
    wa_client.window.seen(CUSTOMER)
    twilio.message_failures.append(Failure(400, 63016))
    reply = OutboundMessage(outbox_id=1, channel="whatsapp", recipient=CUSTOMER, audience=Audience.CUSTOMER,
                            kind="applied", text="Listo, el pago ya está aplicado.")

    await wa_client.sender.send(reply)

    refused, template = twilio.messages
    assert refused.answered == 400 and "Body" in refused.form
    assert template.answered == 201 and template.form["ContentSid"] == TEMPLATE_SID
    assert not wa_client.window.is_open(CUSTOMER)


@pytest.fixture
async def bot_api(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeBotApi]:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    fake = FakeBotApi()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
def both_settings(wa_settings: Settings, bot_api: FakeBotApi) -> Settings:
    """Staff on WhatsApp, with Telegram staff groups configured too; only customer replies have a template."""
    return wa_settings.model_copy(update={
        "twilio_template_sid": "",
        "twilio_templates": {"customer_reply": TwilioTemplate(sid=CUSTOMER_TEMPLATE)},
        "telegram_token": SecretStr(TOKEN),
        "telegram_webhook_secret": SecretStr("s3cret-token"),
        "telegram_base_url": bot_api.base_url,
        "telegram_base_file_url": bot_api.base_file_url,
        "telegram_support_chat_id": SUPPORT_CHAT,
        "telegram_accounting_chat_id": ACCOUNTING_CHAT,
        "telegram_support_user_ids": [501],
        "telegram_accounting_user_ids": [502],
    })


async def test_a_card_without_a_template_goes_to_the_telegram_group_and_support_is_told_once(
    both_settings: Settings, engine: Engine, wa_client: WhatsAppClient, twilio: FakeTwilio, bot_api: FakeBotApi
) -> None:
    load_demo_customers(engine)
    wa_client.sender.settings = both_settings
    telegram_core, _ = build_core(both_settings, engine, InlineReader(both_settings))
    telegram: TelegramApp = build_telegram_application(both_settings, telegram_core, PromptBook(engine))
    await telegram.initialize()
    try:
        async with paybot_process(both_settings, engine, wa_client, TelegramSender(telegram.bot, telegram)) as paybot:
            url = twilio.serve_media("ME-receipt", RECEIPT)
            await paybot.post(inbound(body="Adjunto el pago", media=[(url, "image/png")]))
            await paybot.settle()
            await paybot.settle()
            [intake] = paybot.intakes()
    finally:
        await telegram.shutdown()

    assert to(twilio.messages, SUPPORT_NUMBER) == [], "no template for support cards: WhatsApp is not tried"
    [ack] = to(twilio.accepted, CUSTOMER)
    assert "Body" in ack.form, "the customer still gets the free-text acknowledgement"
    photo, *card_text, announcement = bot_api.sent_to(SUPPORT_CHAT)
    assert photo.method == "sendPhoto" and photo.files["photo"] == RECEIPT
    card = photo if not card_text else card_text[0]
    assert (card.params.get("caption") or card.params["text"]).startswith(f"🧾 Comprobante #{intake.id}")
    assert ("✅ Aprobar", f"pay:approve:{intake.id}") in card.buttons, "Telegram's buttons come back"
    text = announcement.params["text"]
    assert [t.startswith("⚠️") for t in bot_api.texts_to(SUPPORT_CHAT)].count(True) == 1, "told once"
    assert text.startswith(f"⚠️ No se pudo entregar la tarjeta de revisión del comprobante #{intake.id}")
    assert SUPPORT_NUMBER in text and "Se envió por Telegram." in text
    assert f"El comprobante #{intake.id} espera a soporte." in text
    assert bot_api.sent_to(ACCOUNTING_CHAT) == []

    with Session(engine) as session:
        events = session.exec(select(IntakeEvent).where(IntakeEvent.intake_id == intake.id)).all()
        failed = session.exec(select(OutboxMessage).where(OutboxMessage.state == "failed")).all()
    assert intake.state == "in_review"
    [undelivered] = [event for event in events if "undelivered" in event.changes]
    assert undelivered.changes["undelivered"]["rerouted_to"] == ["Telegram"]
    assert undelivered.reason and "espera a soporte" in undelivered.reason
    assert [(row.channel, row.kind) for row in failed] == [("whatsapp", "support_card")]


def test_start_up_names_the_kinds_without_a_template(wa_settings: Settings, both_settings: Settings) -> None:
    none = wa_settings.model_copy(update={"twilio_template_sid": ""})
    [missing, staff] = template_gaps(none)
    assert "customer_reply, reminder, support_card, accounting_card, staff_note" in missing
    assert "falla, y se avisa a soporte" in staff

    [missing, staff] = template_gaps(both_settings)
    assert "reminder, support_card, accounting_card, staff_note" in missing
    assert "customer_reply" not in missing
    assert "va al grupo del personal en Telegram" in staff

    assert template_gaps(wa_settings) == [], "PAYBOT_TWILIO_TEMPLATE_SID still covers every kind"
    customers_only = none.model_copy(update={"whatsapp_support_numbers": [], "whatsapp_accounting_numbers": []})
    assert template_gaps(customers_only) == [
        "WhatsApp: sin plantilla aprobada para customer_reply, reminder (configure PAYBOT_TWILIO_TEMPLATES o "
        "PAYBOT_TWILIO_TEMPLATE_SID); fuera de la ventana de 24 horas esos mensajes no pueden ir por WhatsApp"
    ]
