"""Staff actions on their own: who may act (checked on the staff records, every refusal audited with who
tried), how a typed correction is read, and grace counted from the desk's clock."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from pydantic import SecretStr
from sqlmodel import Session, select

from bot.db.models import AuditEvent, Contract, StaffMember
from bot.intake.actions import ActionRefused, StaffDesk, parse_field
from bot.intake.messages import StaffAction
from bot.intake.staff import seed_staff
from bot.vocabulary import FIELD_WORDS, ReceiptField, StaffActionKind
from tests.stories import TODAY, Conversation

SMS = ("Ha recibido 20.000,00 colones por BN SINPE MOVIL de MARIA JOSE VARGAS SOLANO. "
       "Referencia 2026112715183010967758882. Motivo: ID 1001")
SUPPORT_CHAT, ACCOUNTING_CHAT = -1001, -1002


@pytest.mark.parametrize(
    ("field", "typed", "stored"),
    [
        (ReceiptField.AMOUNT, "₡25 000,50", Decimal("25000.50")),
        (ReceiptField.AMOUNT, "25,000.50", Decimal("25000.50")),
        (ReceiptField.DATE, "27/11/26", date(2026, 11, 27)),
        (ReceiptField.DATE, "2026-11-20", date(2026, 11, 20)),
        (ReceiptField.CURRENCY, "$", "USD"),
        (ReceiptField.CURRENCY, "crc", "CRC"),
        (ReceiptField.CLIENT_ID, "ID 1187", "1187"),
        (ReceiptField.PAYER_NAME, "  Ana María Solís ", "Ana María Solís"),
    ],
)
def test_a_corrected_value_is_read_as_staff_type_it(field: ReceiptField, typed: str, stored: object) -> None:
    assert parse_field(field, typed, TODAY) == stored


@pytest.mark.parametrize(
    ("field", "typed", "why"),
    [
        (ReceiptField.AMOUNT, "-500", "mayor que cero"),
        (ReceiptField.AMOUNT, "0", "mayor que cero"),
        (ReceiptField.DATE, "27/11/28", "más de un año"),
        (ReceiptField.DATE, "31/02/2026", "Fecha no válida"),
        (ReceiptField.CURRENCY, "EUR", "CRC o USD"),
        (ReceiptField.CLIENT_ID, "ninguno", "es un número"),
        (ReceiptField.BANK, "   ", "Falta el valor"),
    ],
)
def test_a_corrected_value_that_makes_no_sense_is_refused_with_the_reason(
    field: ReceiptField, typed: str, why: str
) -> None:
    with pytest.raises(ActionRefused, match=why):
        parse_field(field, typed, TODAY)


def desk_of(conversation: Conversation, **telegram: object) -> StaffDesk:
    settings = conversation.settings.model_copy(update={
        "telegram_token": SecretStr("123:abc"), "telegram_support_chat_id": SUPPORT_CHAT,
        "telegram_accounting_chat_id": ACCOUNTING_CHAT, "telegram_support_user_ids": [501], **telegram,
    })
    with Session(conversation.engine) as session:
        seed_staff(session, settings)
        session.commit()
    return StaffDesk(settings, conversation.engine, conversation.core.messenger,
                     clock=lambda: datetime(2026, 12, 5, 9, 0, tzinfo=settings.tz))


def refusals(conversation: Conversation) -> list[tuple[str, str, int | None]]:
    with Session(conversation.engine) as session:
        return [(event.user, event.reason, event.staff_id) for event in session.exec(select(AuditEvent)).all()]


async def test_someone_not_on_the_staff_list_is_refused_and_the_attempt_audited(conversation: Conversation) -> None:
    intake_id = await conversation.customer_sends(text=SMS)
    assert intake_id is not None
    desk = desk_of(conversation)

    result = desk.perform(StaffAction("telegram", "999", str(SUPPORT_CHAT), StaffActionKind.APPROVE, intake_id))

    assert (result.ok, result.message) == (False, "No tiene permiso para esta acción.")
    assert refusals(conversation) == [("999", "not_staff", None)]


async def test_support_applying_a_payment_is_refused_and_audited_with_their_record(
    conversation: Conversation,
) -> None:
    intake_id = await conversation.customer_sends(text=SMS)
    assert intake_id is not None
    desk = desk_of(conversation, telegram_accounting_chat_id=SUPPORT_CHAT)
    with Session(conversation.engine) as session:
        member = session.exec(select(StaffMember).where(StaffMember.telegram_user_id == 501)).one()

    result = desk.perform(StaffAction("telegram", "501", str(SUPPORT_CHAT), StaffActionKind.APPLY, intake_id))

    assert not result.ok
    assert refusals(conversation) == [("501", "role_not_allowed", member.id)]


async def test_a_field_staff_cannot_name_is_refused_with_the_fields_they_can(conversation: Conversation) -> None:
    intake_id = await conversation.customer_sends(text=SMS)
    assert intake_id is not None
    desk = desk_of(conversation)

    result = desk.perform(StaffAction("telegram", "501", str(SUPPORT_CHAT), StaffActionKind.CORRECT, intake_id,
                                      field="color", value="azul", user_name="Laura Mora"))

    assert not result.ok and FIELD_WORDS in result.message
    assert refusals(conversation) == [("501", "refused", 1)]


async def test_grace_runs_from_the_desks_today_when_the_contract_already_ended(conversation: Conversation) -> None:
    intake_id = await conversation.customer_sends(text=SMS)
    assert intake_id is not None
    desk = desk_of(conversation)
    with Session(conversation.engine) as session:
        contract = session.exec(select(Contract).where(Contract.payment_code == "WOLK-1001")).one()
        contract.end_date = date(2026, 11, 30)
        session.add(contract)
        session.commit()

    result = desk.perform(StaffAction("telegram", "501", str(SUPPORT_CHAT), StaffActionKind.GRACE, intake_id,
                                      user_name="Laura Mora"))

    assert result.ok, result.message
    assert "activo hasta 08/12/2026" in result.message, "3 days from 5 December, not from 30 November"
    await conversation.dispatcher.flush()
    escalation = conversation.last_to("accounting")
    assert escalation.kind == "escalation_grace" and "soporte (Laura Mora)" in escalation.text
    assert "hasta el 08/12/2026" in escalation.text
    with Session(conversation.engine) as session:
        contract = session.exec(select(Contract).where(Contract.payment_code == "WOLK-1001")).one()
    assert contract.end_date == date(2026, 11, 30), "the contract's end date is never overwritten"
