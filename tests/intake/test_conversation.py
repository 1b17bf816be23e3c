"""The users' stories of seed 003, end to end through the real core: customer, support, accounting."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlmodel import Session, select

from bot.account.operations import contract_balance
from bot.account.reminders import chase_of
from bot.db.models import Contract, Customer, GraceExtension, Intake, IntakeEvent, Payment, Reminder
from bot.intake.messages import InboundMessage, StaffActionKind
from bot.intake.reminders import DueReminders
from currency.money import Money
from tests.stories import TODAY, Conversation, receipt_png

APPROVE, APPLY, CORRECT = StaffActionKind.APPROVE, StaffActionKind.APPLY, StaffActionKind.CORRECT


def intake_of(conversation: Conversation, intake_id: int) -> Intake:
    with Session(conversation.engine) as session:
        intake = session.get(Intake, intake_id)
        assert intake is not None
        return intake


def contract_of(conversation: Conversation, client_id: str) -> Contract:
    with Session(conversation.engine) as session:
        customer = session.exec(select(Customer).where(Customer.client_id == client_id)).one()
        return session.exec(select(Contract).where(Contract.customer_id == customer.id)).first()  # type: ignore[return-value]


async def test_complete_receipt_is_acknowledged_reviewed_approved_and_applied(conversation: Conversation) -> None:
    intake_id = await conversation.customer_sends(receipt_png("28250.00", description="Pago ID 1001"))
    assert intake_id is not None

    ack = conversation.received_by("customer")[0]
    assert ack.kind == "ack" and "Recibimos tu comprobante" in ack.text
    card = conversation.last_to("support")
    assert card.kind == "support_card" and card.media_path is not None
    assert "₡28 250,00" in card.text.replace("\u00a0", " ")
    assert "✅ Pagado a la empresa" in card.text
    assert {b.data for b in card.buttons} >= {f"pay:approve:{intake_id}", f"pay:correct:{intake_id}"}
    assert intake_of(conversation, intake_id).state == "in_review"

    result = await conversation.staff("support", APPROVE, intake_id)
    assert result.ok, result.message
    reply = conversation.last_to("customer")
    assert reply.kind == "received"
    assert "Te confirmamos el recibido del pago" in reply.text and "María" in reply.text
    accounting = conversation.last_to("accounting")
    assert accounting.kind == "accounting_card"
    assert f"pay:apply:{intake_id}" in {b.data for b in accounting.buttons}
    assert "Total a pagar" in accounting.text

    result = await conversation.staff("accounting", APPLY, intake_id)
    assert result.ok, result.message
    applied = conversation.last_to("customer")
    assert applied.kind == "applied" and "ya se encuentra aplicado" in applied.text
    assert intake_of(conversation, intake_id).state == "applied"
    with Session(conversation.engine) as session:
        payment = session.exec(select(Payment)).one()
        events = session.exec(select(IntakeEvent).where(IntakeEvent.intake_id == intake_id)).all()
    assert payment.amount == Decimal("28250.00") and payment.applied_by == "Contabilidad (sandbox)"
    with Session(conversation.engine) as session:
        assert contract_balance(session, contract_of(conversation, "1001").id or 0).amount == Decimal("0.00")
    assert [e.to_state for e in events] == ["received", "read", "checked", "in_review", "forwarded", "applied"]


async def test_short_payment_gets_difference_and_reminder(conversation: Conversation) -> None:
    intake_id = await conversation.customer_sends(receipt_png("20000.00", description="Pago ID 1001"))
    assert intake_id is not None
    assert "❌ Monto" in conversation.last_to("support").text

    assert (await conversation.staff("support", APPROVE, intake_id)).ok
    reply = conversation.last_to("customer")
    assert reply.kind == "short_payment"
    text = reply.text.replace("\u00a0", " ")
    assert "₡28 250,00" in text and "₡8 250,00" in text and "₡20 000,00" in text

    with Session(conversation.engine) as session:
        reminders = session.exec(select(Reminder).where(Reminder.intake_id == intake_id)).all()
    assert [chase_of(r).amount for r in reminders] == [Money(Decimal("8250.00"), "CRC")] * 2
    assert all(r.state == "pending" for r in reminders)

    scheduler = DueReminders(conversation.engine, conversation.core.messenger)
    assert scheduler.send_due(now=reminders[0].due_at + timedelta(minutes=1)) == 1
    await conversation.dispatcher.flush()
    reminder = conversation.last_to("customer")
    assert reminder.kind == "reminder_short_payment" and "₡8 250,00" in reminder.text.replace("\u00a0", " ")
    assert scheduler.send_due(now=reminders[0].due_at + timedelta(minutes=2)) == 0


async def test_receipt_without_id_is_matched_by_phone_and_gets_the_missing_id_scripts(
    conversation: Conversation,
) -> None:
    intake_id = await conversation.customer_sends(
        receipt_png("28250.00", description="Pago mensualidad"), phone="+50688112233")
    assert intake_id is not None
    assert (await conversation.staff("support", APPROVE, intake_id)).ok
    reply = conversation.last_to("customer")
    assert reply.kind == "received_missing_id" and "*ID WOLK 1001*" in reply.text
    assert (await conversation.staff("accounting", APPLY, intake_id)).ok
    applied = conversation.last_to("customer")
    assert applied.kind == "applied_missing_id" and "*ID WOLK 1001*" in applied.text


async def test_expired_contract_is_forwarded_and_customer_told_we_await_activation(
    conversation: Conversation,
) -> None:
    intake_id = await conversation.customer_sends(
        receipt_png("17282.00", description="ID 1006 mensualidad", payer="Carlos Andrés Chaves Araya"),
        phone="+50688990011")
    assert intake_id is not None
    assert (await conversation.staff("support", APPROVE, intake_id)).ok
    reply = conversation.last_to("customer")
    assert reply.kind == "contract_expired" and "activación" in reply.text
    assert "ID vencido" in conversation.last_to("accounting").text


async def test_redelivered_message_makes_one_intake(conversation: Conversation) -> None:
    data = receipt_png("28250.00")
    first = await conversation.customer_sends(data, message_id="SM123")
    again = await conversation.customer_sends(data, message_id="SM123")
    assert first is not None and again is None
    with Session(conversation.engine) as session:
        assert len(session.exec(select(Intake)).all()) == 1
    assert len([m for m in conversation.received_by("customer") if m.kind == "ack"]) == 1


async def test_same_image_sent_twice_is_flagged_duplicate(conversation: Conversation) -> None:
    data = receipt_png("28250.00")
    await conversation.customer_sends(data)
    second = await conversation.customer_sends(data)
    assert second is not None
    assert "❌ No duplicado" in conversation.last_to("support").text
    assert intake_of(conversation, second).reply_kind == "duplicate"


async def test_unreadable_file_gets_a_clear_answer_and_is_kept(conversation: Conversation) -> None:
    intake_id = await conversation.customer_sends(b"%PDF-1.4 this is not really a pdf")
    assert intake_id is not None
    reply = conversation.last_to("customer")
    assert reply.kind == "unreadable" and "captura de pantalla" in reply.text
    stored = intake_of(conversation, intake_id)
    assert stored.state == "needs_info" and stored.media_path is not None


async def test_greeting_without_receipt_is_asked_for_one(conversation: Conversation) -> None:
    intake_id = await conversation.customer_sends(text="Hola, buenas tardes, ya les pagué")
    assert intake_id is not None
    assert conversation.last_to("customer").kind == "ask_receipt"


async def test_pasted_bank_sms_is_read_like_a_receipt(conversation: Conversation) -> None:
    sms = ("Ha recibido 28.250,00 colones por BN SINPE MOVIL de MARIA JOSE VARGAS SOLANO. "
           f"Referencia {TODAY:%Y%m%d}15183010967758882. Motivo: ID 1001")
    intake_id = await conversation.customer_sends(text=sms)
    assert intake_id is not None
    stored = intake_of(conversation, intake_id)
    assert stored.state == "in_review"
    assert stored.fields["amount"] == "28250.00" and stored.fields["client_id"] == "1001"


async def test_support_correction_reruns_checks_and_sends_updated_card(conversation: Conversation) -> None:
    intake_id = await conversation.customer_sends(receipt_png("20000.00", description="Pago ID 1001"))
    assert intake_id is not None
    cards_before = len(conversation.received_by("support"))
    result = await conversation.staff("support", CORRECT, intake_id, field="amount", value="28.250,00")
    assert result.ok, result.message
    cards = conversation.received_by("support")
    assert len(cards) == cards_before + 1
    assert "✅ Monto" in cards[-1].text and "Monto corregido" in cards[-1].text
    with Session(conversation.engine) as session:
        correction = session.exec(
            select(IntakeEvent)
            .where(IntakeEvent.intake_id == intake_id)
            .where(IntakeEvent.reason == "corrección manual")
        ).one()
    assert correction.changes == {"amount": ["20000.00", "28250.00"]}
    assert correction.actor == "Soporte (sandbox)"


async def test_rejection_sends_the_matching_script(conversation: Conversation) -> None:
    intake_id = await conversation.customer_sends(receipt_png("28250.00", payee="Ferretería El Roble"))
    assert intake_id is not None
    assert "❌ Pagado a la empresa" in conversation.last_to("support").text
    result = await conversation.staff("support", StaffActionKind.REJECT, intake_id, reason="not_company")
    assert result.ok
    reply = conversation.last_to("customer")
    assert reply.kind == "not_company" and "88887777" in reply.text
    assert intake_of(conversation, intake_id).state == "rejected"


async def test_grace_extension_is_recorded_on_the_charge_escalates_and_tells_customer_until_when(
    conversation: Conversation,
) -> None:
    intake_id = await conversation.customer_sends(
        receipt_png("17282.00", description="ID 1006", payer="Carlos Andrés Chaves Araya"), phone="+50688990011")
    assert intake_id is not None
    result = await conversation.staff("support", StaffActionKind.GRACE, intake_id, reason="cierre de caja hoy")
    assert result.ok, result.message
    assert contract_of(conversation, "1006").end_date == date(2026, 10, 31), "the contract's dates stay as they were"
    with Session(conversation.engine) as session:
        [extension] = session.exec(select(GraceExtension)).all()
    assert (extension.until, extension.granted_by, extension.reason) == (
        TODAY + timedelta(days=3), "Soporte (sandbox)", "cierre de caja hoy")
    assert extension.charge_entry_id is not None, "it is on the overdue charge"
    told = conversation.last_to("customer")
    assert told.kind == "grace_granted" and "activo hasta el 30/11/2026" in told.text
    escalation = conversation.last_to("accounting")
    assert escalation.kind == "escalation_grace" and "hasta el 30/11/2026" in escalation.text
    assert "Prórroga 1 de 1" in escalation.text and "cierre de caja hoy" in escalation.text

    again = await conversation.staff("support", StaffActionKind.GRACE, intake_id)
    assert not again.ok and "máximo" in again.message, "PAYBOT_GRACE_MAX is 1 by default"


async def test_only_listed_staff_can_act(conversation: Conversation) -> None:
    intake_id = await conversation.customer_sends(receipt_png("28250.00"))
    assert intake_id is not None
    stranger = await conversation.staff("customer", APPROVE, intake_id)
    support_applying = await conversation.staff("support", APPLY, intake_id)
    assert not stranger.ok and "permiso" in stranger.message
    assert not support_applying.ok
    assert intake_of(conversation, intake_id).state == "in_review"


async def test_the_same_bank_reference_is_never_applied_twice(conversation: Conversation) -> None:
    first = await conversation.customer_sends(receipt_png("28250.00", reference="20261127000000000000000042"))
    second = await conversation.customer_sends(
        receipt_png("28250.00", reference="20261127000000000000000042", seed=8, bank="BCR"))
    assert first is not None and second is not None
    for intake_id in (first, second):
        await conversation.staff("support", APPROVE, intake_id)
    assert (await conversation.staff("accounting", APPLY, first)).ok
    refused = await conversation.staff("accounting", APPLY, second)
    assert not refused.ok and "no se aplica dos veces" in refused.message
    with Session(conversation.engine) as session:
        assert len(session.exec(select(Payment)).all()) == 1
    assert intake_of(conversation, second).state == "forwarded"


async def test_with_auto_forward_a_clean_receipt_goes_straight_to_accounting(conversation: Conversation) -> None:
    conversation.core.settings = conversation.settings.model_copy(
        update={"auto_forward": True, "auto_forward_confidence": 0.5})
    intake_id = await conversation.customer_sends(receipt_png("28250.00", description="Pago ID 1001"))
    assert intake_id is not None
    assert intake_of(conversation, intake_id).state == "forwarded"
    assert conversation.received_by("support") == []
    assert conversation.last_to("accounting").kind == "accounting_card"
    assert conversation.last_to("customer").kind == "received"


async def test_auto_forward_sends_an_unsure_reading_to_a_person(conversation: Conversation) -> None:
    conversation.core.settings = conversation.settings.model_copy(
        update={"auto_forward": True, "auto_forward_confidence": 1.0})
    intake_id = await conversation.customer_sends(receipt_png("28250.00", description="Pago ID 1001"))
    assert intake_id is not None
    assert intake_of(conversation, intake_id).state == "in_review"
    assert conversation.received_by("accounting") == []


async def test_auto_forward_never_skips_review_when_a_check_fails(conversation: Conversation) -> None:
    conversation.core.settings = conversation.settings.model_copy(update={"auto_forward": True})
    intake_id = await conversation.customer_sends(receipt_png("20000.00", description="Pago ID 1001"))
    assert intake_id is not None
    assert intake_of(conversation, intake_id).state == "in_review"
    assert conversation.received_by("accounting") == []


async def test_accounting_flags_a_problem_back_to_support(conversation: Conversation) -> None:
    intake_id = await conversation.customer_sends(receipt_png("28250.00"))
    assert intake_id is not None
    assert (await conversation.staff("support", APPROVE, intake_id)).ok
    without_reason = await conversation.staff("accounting", StaffActionKind.FLAG, intake_id)
    assert not without_reason.ok
    result = await conversation.staff("accounting", StaffActionKind.FLAG, intake_id,
                                      reason="no aparece en el estado de cuenta")
    assert result.ok
    card = conversation.last_to("support")
    assert card.kind == "support_card" and "Devuelto por contabilidad: no aparece en el estado de cuenta" in card.text
    assert intake_of(conversation, intake_id).state == "in_review"


async def test_a_file_too_large_for_the_channel_gets_a_clear_answer(conversation: Conversation) -> None:
    intake_id = await conversation.core.receive(InboundMessage(
        channel="sandbox", external_id="big-1", sender="+50688112233", reply_to="+50688112233",
        media_error="too_large", file_name="escaneo.tiff",
    ))
    await conversation.settle()
    assert intake_id is not None
    reply = conversation.last_to("customer")
    assert reply.kind == "file_too_large" and "captura de pantalla" in reply.text
    assert intake_of(conversation, intake_id).state == "needs_info"


async def test_a_confirmed_telegram_customer_is_recognised_next_time_without_the_id(
    conversation: Conversation,
) -> None:
    first = await conversation.customer_sends(
        receipt_png("20905.00", description="ID 1004", payer="Roberto Salas Mena"),
        phone="7001234", channel="telegram")
    assert first is not None and intake_of(conversation, first).customer_id is not None
    assert (await conversation.staff("support", APPROVE, first)).ok

    second = await conversation.customer_sends(
        receipt_png("20905.00", description="Mensualidad", payer="Roberto Salas Mena", seed=9),
        phone="7001234", channel="telegram")
    assert second is not None
    assert intake_of(conversation, second).customer_id == intake_of(conversation, first).customer_id
    assert "ID 1004" in conversation.last_to("support").text


async def test_a_text_after_a_receipt_reaches_support_instead_of_asking_for_a_receipt(
    conversation: Conversation,
) -> None:
    intake_id = await conversation.customer_sends(receipt_png("28250.00"))
    assert intake_id is not None
    customer_messages = len(conversation.received_by("customer"))
    note_id = await conversation.customer_sends(text="¿Me confirman cuando lo apliquen? Gracias")
    assert note_id is not None
    assert len(conversation.received_by("customer")) == customer_messages
    note = conversation.last_to("support")
    assert note.kind == "customer_note"
    assert f"sobre el comprobante #{intake_id}" in note.text and "¿Me confirman" in note.text


async def test_a_receipt_whose_file_cannot_be_stored_is_still_kept_and_the_customer_asked_again(
    conversation: Conversation,
) -> None:
    """A full disk or an unreachable bucket answered the channel with a 500 and nothing was stored: the message
    was lost (red-team probe). The media folder here is a file, so the real store really fails."""
    media = conversation.settings.media_dir
    media.parent.mkdir(parents=True, exist_ok=True)
    media.write_text("no es una carpeta")

    intake_id = await conversation.customer_sends(receipt_png("28250.00"), text="mi pago de noviembre")

    assert intake_id is not None
    intake = intake_of(conversation, intake_id)
    assert (intake.state, intake.error, intake.text) == ("needs_info", "storage_failed", "mi pago de noviembre")
    assert conversation.last_to("customer").kind == "unreadable"
