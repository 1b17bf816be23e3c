"""Support corrects what the reader got wrong: values are read as staff type them, and nonsense is refused."""

from __future__ import annotations

from sqlmodel import Session

from bot.db.models import Intake
from bot.intake.messages import StaffActionKind
from tests.stories import TODAY, Conversation

CORRECT = StaffActionKind.CORRECT
SMS = ("Ha recibido 20.000,00 colones por BN SINPE MOVIL de MARIA JOSE VARGAS SOLANO. "
       f"Referencia {TODAY:%Y%m%d}15183010967758882. Motivo: ID 1001")


def fields_of(conversation: Conversation, intake_id: int) -> dict[str, str]:
    with Session(conversation.engine) as session:
        intake = session.get(Intake, intake_id)
        assert intake is not None
        return dict(intake.fields)


async def test_staff_correcting_a_date_with_a_two_digit_year_stores_this_century(
    conversation: Conversation,
) -> None:
    intake_id = await conversation.customer_sends(text=SMS)
    assert intake_id is not None
    result = await conversation.staff("support", CORRECT, intake_id, field="date", value="26/11/26")
    assert result.ok, result.message
    assert fields_of(conversation, intake_id)["date"] == "2026-11-26"
    assert "26/11/2026" in conversation.last_to("support").text


async def test_a_corrected_date_more_than_a_year_away_is_refused_with_the_reason(
    conversation: Conversation,
) -> None:
    intake_id = await conversation.customer_sends(text=SMS)
    assert intake_id is not None
    before = fields_of(conversation, intake_id)
    result = await conversation.staff("support", CORRECT, intake_id, field="date", value="27/11/2062")
    assert not result.ok
    assert "más de un año" in result.message and "27/11/2062" in result.message
    assert fields_of(conversation, intake_id) == before


async def test_a_negative_amount_is_refused_and_nothing_changes(conversation: Conversation) -> None:
    intake_id = await conversation.customer_sends(text=SMS)
    assert intake_id is not None
    cards_before = len(conversation.received_by("support"))
    result = await conversation.staff("support", CORRECT, intake_id, field="amount", value="-500")
    assert not result.ok
    assert "mayor que cero" in result.message and "-500" in result.message
    assert fields_of(conversation, intake_id)["amount"] == "20000.00"
    assert len(conversation.received_by("support")) == cards_before


async def test_a_zero_or_unreadable_amount_is_refused(conversation: Conversation) -> None:
    intake_id = await conversation.customer_sends(text=SMS)
    assert intake_id is not None
    zero = await conversation.staff("support", CORRECT, intake_id, field="amount", value="0")
    assert not zero.ok and "mayor que cero" in zero.message
    garbled = await conversation.staff("support", CORRECT, intake_id, field="amount", value="1.5000")
    assert not garbled.ok and "Monto no válido" in garbled.message
    assert fields_of(conversation, intake_id)["amount"] == "20000.00"


async def test_an_amount_with_a_colon_sign_and_spaces_is_stored_exactly(conversation: Conversation) -> None:
    intake_id = await conversation.customer_sends(text=SMS)
    assert intake_id is not None
    result = await conversation.staff("support", CORRECT, intake_id, field="amount", value="₡28 250,00")
    assert result.ok, result.message
    assert fields_of(conversation, intake_id)["amount"] == "28250.00"


async def test_an_amount_typed_with_digits_to_spare_is_refused_so_the_receipt_can_still_be_applied(
    conversation: Conversation,
) -> None:
    """20 digits were accepted, and "applied" then failed with a 500 (cents overflow the database's integers)."""
    intake_id = await conversation.customer_sends(text=SMS)
    assert intake_id is not None

    refused = await conversation.staff("support", CORRECT, intake_id, field="amount", value="99999999999999999999")

    assert not refused.ok and "Monto no válido" in refused.message
    assert fields_of(conversation, intake_id)["amount"] == "20000.00"
    assert (await conversation.staff("support", StaffActionKind.APPROVE, intake_id)).ok
    applied = await conversation.staff("accounting", StaffActionKind.APPLY, intake_id)
    assert applied.ok, applied.message
