"""A customer pays over WhatsApp; support approves and accounting applies it, each from their own WhatsApp."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.config import Settings
from bot.db.models import AuditEvent, Intake
from bot.handlers.whatsapp import WhatsAppClient
from tests.handlers.whatsapp.conftest import (
    ACCOUNTING_NUMBER,
    CUSTOMER,
    SUPPORT_NUMBER,
    TEMPLATE_SID,
    inbound,
)
from tests.handlers.whatsapp.fake_twilio import Call, FakeTwilio
from tests.handlers.whatsapp.harness import RECEIPT, Paybot, load_demo_customers, paybot_process, to


@pytest.fixture
async def paybot(wa_settings: Settings, engine: Engine, wa_client: WhatsAppClient) -> AsyncIterator[Paybot]:
    """One paybot process with the demo customers; every webhook's forged twin is refused first."""
    load_demo_customers(engine)
    async with paybot_process(wa_settings, engine, wa_client) as running:
        yield running


async def test_receipt_to_applied_payment_all_on_whatsapp(paybot: Paybot, twilio: FakeTwilio, engine: Engine) -> None:
    url = twilio.serve_media("ME-receipt", RECEIPT, not_ready=1)
    await paybot.post(inbound(body="Buenas, adjunto el pago de este mes", media=[(url, "image/png")]))
    await paybot.settle()

    with Session(engine) as session:
        [intake] = session.exec(select(Intake)).all()
    assert intake.state == "in_review", (intake.error, intake.reply_kind, intake.media_type)
    [ack] = to(twilio.messages, CUSTOMER)
    assert "Body" in ack.form, "the customer just wrote: free text inside the 24-hour window"
    [card] = to(twilio.messages, SUPPORT_NUMBER)
    assert card.form["ContentSid"] == TEMPLATE_SID, "support has not written in 24 hours: template"
    assert f"APROBAR {intake.id}" in card.form["ContentVariables"]

    await paybot.post(inbound(sid="SM" + "5" * 32, sender=f"whatsapp:{SUPPORT_NUMBER}", body=f"Aprobar {intake.id}"))
    await paybot.settle()

    support_replies = to(twilio.messages, SUPPORT_NUMBER)[1:]
    assert [reply.form.get("ContentSid") for reply in support_replies] == [None]
    customer_after_approval = to(twilio.messages, CUSTOMER)
    assert len(customer_after_approval) == 2
    assert "recibido del pago" in customer_after_approval[1].form["Body"]
    [accounting_card] = to(twilio.messages, ACCOUNTING_NUMBER)
    assert f"APLICADO {intake.id}" in accounting_card.form["ContentVariables"]

    await paybot.post(
        inbound(sid="SM" + "6" * 32, sender=f"whatsapp:{ACCOUNTING_NUMBER}", body=f"APLICADO {intake.id}")
    )
    await paybot.settle()

    with Session(engine) as session:
        applied = session.get(Intake, intake.id)
    assert applied is not None and applied.state == "applied"
    customer_messages = to(twilio.messages, CUSTOMER)
    assert len(customer_messages) == 3
    assert "aplicado" in customer_messages[2].form["Body"]
    assert len(twilio.calls_to("/media/ME-receipt")) == 2
    assert len(twilio.messages) == len(
        {call.form.get("Body", call.form.get("ContentVariables")) for call in twilio.messages}
    )


def text_of(call: Call) -> str:
    """What the recipient reads: the free-form body, or the template's variables."""
    if "Body" in call.form:
        return call.form["Body"]
    return " ".join(json.loads(call.form.get("ContentVariables", "{}")).values())


async def test_a_customer_typing_a_staff_command_is_heard_by_support_and_changes_nothing(
    paybot: Paybot, twilio: FakeTwilio, engine: Engine
) -> None:
    url = twilio.serve_media("ME-receipt-2", RECEIPT)
    await paybot.post(inbound(media=[(url, "image/png")]))
    await paybot.settle()
    with Session(engine) as session:
        [intake] = session.exec(select(Intake)).all()
    before = len(twilio.messages)

    await paybot.post(inbound(sid="SM" + "7" * 32, body=f"APLICADO {intake.id}"))
    await paybot.settle()

    with Session(engine) as session:
        unchanged = session.get(Intake, intake.id)
        stored = session.exec(select(Intake).where(Intake.external_id == "SM" + "7" * 32)).one()
    assert unchanged is not None and unchanged.state == "in_review"
    assert stored.text == f"APLICADO {intake.id}" and stored.sender == "+50688112233"
    after = twilio.messages[before:]
    assert not any("permiso" in text_of(call) for call in after)
    [note] = to(after, SUPPORT_NUMBER)
    assert f"APLICADO {intake.id}" in text_of(note) and f"comprobante #{intake.id}" in text_of(note)


@pytest.mark.parametrize(
    "words", ["Devolver 15000 colones por favor, pagué doble", "Rechazado 28250 por el banco, qué hago?"]
)
async def test_a_customers_words_that_start_like_a_command_are_stored_answered_and_reach_support(
    paybot: Paybot, twilio: FakeTwilio, engine: Engine, words: str
) -> None:
    await paybot.post(inbound(sid="SM" + "8" * 32, body=words))
    await paybot.settle()

    with Session(engine) as session:
        [intake] = session.exec(select(Intake)).all()
    assert (intake.channel, intake.sender, intake.text) == ("whatsapp", "+50688112233", words)
    assert any(words in text_of(call) for call in to(twilio.messages, SUPPORT_NUMBER)), "support reads the words"
    answers = to(twilio.messages, CUSTOMER)
    assert answers, "the customer is answered"
    assert not any("permiso" in text_of(call) for call in answers)


async def test_support_trying_an_accounting_command_is_refused_told_and_audited(
    paybot: Paybot, twilio: FakeTwilio, engine: Engine
) -> None:
    url = twilio.serve_media("ME-receipt-3", RECEIPT)
    await paybot.post(inbound(media=[(url, "image/png")]))
    await paybot.settle()
    with Session(engine) as session:
        [intake] = session.exec(select(Intake)).all()

    await paybot.post(inbound(sid="SM" + "9" * 32, sender=f"whatsapp:{SUPPORT_NUMBER}", body=f"APLICADO {intake.id}"))
    await paybot.settle()

    with Session(engine) as session:
        [refusal] = session.exec(select(AuditEvent)).all()
        unchanged = session.get(Intake, intake.id)
    assert unchanged is not None and unchanged.state == "in_review"
    assert (refusal.channel, refusal.user, refusal.action, refusal.intake_id, refusal.reason) == (
        "whatsapp", SUPPORT_NUMBER, "apply", intake.id, "role_not_allowed")
    assert "permiso" in text_of(to(twilio.messages, SUPPORT_NUMBER)[-1])
