"""Customers asking about their account, and staff sending the statement: answered from the account, in the
customer's own chat, only when the sender is theirs; every message still stored and seen by support."""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest
from sqlmodel import Session, select

from bot.db.models import AuditEvent, Intake, IntakeEvent, OutboxMessage
from bot.intake.messages import OutboundMessage, StaffAction, StaffActionKind
from bot.vocabulary import CustomerQuestion
from tests.stories import Conversation

MARIA, JOSE, STRANGER = "+50688112233", "+50687114455", "+50670001234"
NBSP = "\u00a0"


def pdf_text(path: str) -> str:
    with open(path, "rb") as handle:
        document = pdfium.PdfDocument(handle.read())
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def stored(conversation: Conversation, intake_id: int) -> Intake:
    with Session(conversation.engine) as session:
        intake = session.get(Intake, intake_id)
        assert intake is not None
        return intake


@pytest.mark.parametrize(("text", "question"), [
    ("¿Cuánto debo?", CustomerQuestion.BALANCE),
    ("Hola, cuanto le debo??", CustomerQuestion.BALANCE),
    ("SALDO", CustomerQuestion.BALANCE),
    ("Me puede dar mi saldo por favor", CustomerQuestion.BALANCE),
    ("Me envían el estado de cuenta?", CustomerQuestion.STATEMENT),
    ("estado de cuenta y saldo", CustomerQuestion.STATEMENT),
    ("Hola, buenas tardes, ya les pagué", None),
    ("¿Me confirman cuando lo apliquen?", None),
    ("saldos" * 40, None),
])
def test_the_questions_customers_ask_are_recognised_in_their_own_words(
    text: str, question: CustomerQuestion | None,
) -> None:
    assert CustomerQuestion.asked_in(text) is question


async def test_a_linked_customer_asking_what_they_owe_gets_the_open_charges_with_due_dates(
    conversation: Conversation,
) -> None:
    intake_id = await conversation.customer_sends(text="¿Cuánto debo?", phone=MARIA)
    assert intake_id is not None
    reply = conversation.last_to("customer")
    text = reply.text.replace(NBSP, " ")
    assert reply.kind == "balance" and reply.recipient == MARIA
    assert "• Mensualidad dic. 2026 · WOLK-1001: ₡28 250,00, vence el 01/12/2026" in text
    assert "Total pendiente: *₡28 250,00*" in text and "*ID WOLK 1001*" in text
    intake = stored(conversation, intake_id)
    assert (intake.state, intake.reply_kind, intake.text) == ("needs_info", "balance", "¿Cuánto debo?")
    note = conversation.last_to("support")
    assert note.kind == "customer_note" and "¿Cuánto debo?" in note.text
    assert "Respondido por el bot: se le dio su saldo: ₡28 250,00" in note.text.replace(NBSP, " ")


async def test_a_dollar_balance_is_told_in_colones_at_todays_rate_too(conversation: Conversation) -> None:
    await conversation.customer_sends(text="saldo", phone=JOSE)
    text = conversation.last_to("customer").text.replace(NBSP, " ")
    assert "Mensualidad dic. 2026 · WOLK-1002: US$50,85 (₡25 925,87), vence el 15/12/2026" in text
    assert "Total pendiente: *₡25 925,87* (tipo de cambio de venta ₡509,85 del 27/11/2026)" in text


async def test_a_linked_customer_asking_for_the_statement_gets_the_pdf_as_a_document(
    conversation: Conversation,
) -> None:
    intake_id = await conversation.customer_sends(text="Me envían el estado de cuenta por favor", phone=MARIA)
    assert intake_id is not None
    reply = conversation.last_to("customer")
    assert reply.kind == "statement" and reply.media_path is not None and reply.media_path.endswith(".pdf")
    assert reply.media_name == "estado-de-cuenta-1001-2026-11-27.pdf"
    assert "Saldo pendiente: *₡28 250,00*" in reply.text.replace(NBSP, " ")
    text = pdf_text(reply.media_path)
    assert "Estado de cuenta" in text and "1001" in text and "28" in text and "250,00" in text
    assert stored(conversation, intake_id).reply_kind == "statement"
    assert "se le envió su estado de cuenta" in conversation.last_to("support").text


async def test_someone_not_linked_to_a_customer_is_asked_to_write_to_support_and_learns_nothing(
    conversation: Conversation,
) -> None:
    intake_id = await conversation.customer_sends(text="Hola, ¿cuánto debo? Soy del ID 1001", phone=STRANGER)
    assert intake_id is not None
    reply = conversation.last_to("customer")
    assert reply.kind == "account_unlinked" and "escríbenos a soporte" in reply.text
    assert "28" not in reply.text and "WOLK-1001" not in reply.text
    note = conversation.last_to("support")
    assert note.kind == "customer_note" and "Soy del ID 1001" in note.text
    assert "no está vinculado" in note.text
    assert stored(conversation, intake_id).state == "needs_info"


async def test_staff_send_the_statement_from_the_card_and_it_goes_to_the_customers_chat_as_a_document(
    conversation: Conversation,
) -> None:
    intake_id = await conversation.customer_sends(text=(
        "Ha recibido 28.250,00 colones por BN SINPE MOVIL de MARIA JOSE VARGAS SOLANO. "
        "Referencia 2026112700000000000000901. Motivo: ID 1001"), phone=MARIA)
    assert intake_id is not None
    card = conversation.last_to("support")
    assert (StaffActionKind.STATEMENT.button, f"pay:statement:{intake_id}:1001") in [
        (b.label, b.data) for b in card.buttons]
    result = await conversation.staff("support", StaffActionKind.STATEMENT, intake_id)
    assert result.ok and "estado-de-cuenta-1001-2026-11-27.pdf" in result.message
    sent: OutboundMessage = conversation.last_to("customer")
    assert sent.kind == "statement" and sent.recipient == MARIA and sent.media_path is not None
    with Session(conversation.engine) as session:
        event = session.exec(select(IntakeEvent).where(IntakeEvent.intake_id == intake_id)
                             .where(IntakeEvent.reason == "estado de cuenta enviado")).one()
        assert event.changes == {"statement": "estado-de-cuenta-1001-2026-11-27.pdf"}


async def test_estado_with_a_client_id_sends_the_statement_to_that_customers_own_chat_only(
    conversation: Conversation,
) -> None:
    await conversation.customer_sends(text="¿Cuánto debo?", phone=MARIA)
    result = await conversation.core.act(StaffAction(channel="sandbox", user="accounting", chat="accounting",
                                                     kind=StaffActionKind.STATEMENT, intake_id=0, value="1001"))
    await conversation.settle()
    assert result.ok, result.message
    sent = conversation.last_to("customer")
    assert sent.kind == "statement" and sent.recipient == MARIA and sent.intake_id is None
    with Session(conversation.engine) as session:
        audit = session.exec(select(AuditEvent).where(AuditEvent.kind == "statement_sent")).one()
        assert audit.action == "statement" and "estado-de-cuenta-1001" in (audit.detail or "")
        rows = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "statement")).all()
        assert [row.media_name for row in rows] == ["estado-de-cuenta-1001-2026-11-27.pdf"]

    unknown = await conversation.core.act(StaffAction(channel="sandbox", user="support", chat="support",
                                                      kind=StaffActionKind.STATEMENT, intake_id=0, value="9999"))
    assert not unknown.ok and "No hay cliente con ID 9999" in unknown.message
    nobody = await conversation.core.act(StaffAction(channel="sandbox", user="someone", chat="someone",
                                                     kind=StaffActionKind.STATEMENT, intake_id=0, value="1001"))
    assert not nobody.ok
