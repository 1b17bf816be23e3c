"""Seed 003's urgent case: a grace extension opens a case escalated to accounting, whose message carries the
case's link; accounting closes it with its decision from the chat (CERRAR) as from the portal."""

from __future__ import annotations

from datetime import date

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.config import Settings
from bot.db.models import Case, Contract, GraceExtension, IntakeEvent
from bot.handlers.staff_commands import StaffCommand, parse_staff_command
from bot.intake.messages import StaffActionKind
from tests.stories import Conversation, conversation_with

SMS = ("Ha recibido 20.000,00 colones por BN SINPE MOVIL de MARIA JOSE VARGAS SOLANO. "
       "Referencia 2026112715183010967758882. Motivo: ID 1001")


async def test_grace_opens_a_case_whose_link_goes_to_accounting_and_closing_it_tells_support(
    conversation: Conversation,
) -> None:
    intake_id = await conversation.customer_sends(text=SMS)
    assert intake_id is not None
    granted = await conversation.staff("support", StaffActionKind.GRACE, intake_id,
                                       reason="sistema desactivado, lo necesita hoy")
    assert granted.ok and "Caso #1 escalado a contabilidad" in granted.message

    escalation = conversation.last_to("accounting")
    assert escalation.kind == "escalation_grace"
    assert "Caso escalado #1 (comprobante #1)" in escalation.text
    assert "Motivo: sistema desactivado, lo necesita hoy" in escalation.text
    assert "Ver el caso: http://127.0.0.1:8080/portal/casos/1" in escalation.text
    assert [button.data for button in escalation.buttons] == [f"pay:close:{intake_id}"]
    with Session(conversation.engine) as session:
        case = session.exec(select(Case)).one()
        extension = session.exec(select(GraceExtension)).one()
        contract = session.exec(select(Contract).where(Contract.payment_code == "WOLK-1001")).one()
    assert (case.state, case.opened_by, case.reason, case.until) == (
        "open", "Soporte (sandbox)", "sistema desactivado, lo necesita hoy", date(2026, 11, 30))
    assert (case.grace_extension_id, case.contract_id, case.customer_id) == (
        extension.id, contract.id, contract.customer_id)
    assert case.details["count"] == 1 and case.details["payment_code"] == "WOLK-1001"

    by_support = await conversation.staff("support", StaffActionKind.CLOSE_CASE, intake_id, reason="listo")
    assert not by_support.ok and "No tiene permiso" in by_support.message
    without_words = await conversation.staff("accounting", StaffActionKind.CLOSE_CASE, intake_id, reason=" ")
    assert not without_words.ok and "Indique lo que decidió" in without_words.message

    closed = await conversation.staff("accounting", StaffActionKind.CLOSE_CASE, intake_id,
                                      reason="se mantiene la prórroga hasta que se aplique el pago")
    assert closed.ok and closed.message.startswith("Caso #1 cerrado")
    told = conversation.last_to("support")
    assert told.kind == "case_closed" and "cerrado por Contabilidad (sandbox)" in told.text
    with Session(conversation.engine) as session:
        case = session.exec(select(Case)).one()
        audit = session.exec(select(IntakeEvent).where(IntakeEvent.intake_id == intake_id)).all()
    assert (case.state, case.closed_by) == ("closed", "Contabilidad (sandbox)")
    assert case.decision == "se mantiene la prórroga hasta que se aplique el pago"
    assert audit[-1].reason == "caso #1 cerrado" and audit[-1].actor == "Contabilidad (sandbox)"

    again = await conversation.staff("accounting", StaffActionKind.CLOSE_CASE, intake_id, reason="otra vez")
    assert not again.ok and "no tiene un caso abierto" in again.message


async def test_the_case_link_is_on_the_public_url_when_there_is_one(demo_engine: Engine, settings: Settings) -> None:
    conversation = conversation_with(demo_engine, settings.model_copy(update={"public_url": "https://pagos.example.com/"}))
    intake_id = await conversation.customer_sends(text=SMS)
    assert intake_id is not None
    await conversation.staff("support", StaffActionKind.GRACE, intake_id)
    assert "Ver el caso: https://pagos.example.com/portal/casos/1" in conversation.last_to("accounting").text


def test_accounting_closes_a_case_in_whatsapp_with_cerrar_and_its_decision() -> None:
    assert parse_staff_command("CERRAR 12 se aprueba la prórroga") == StaffCommand(
        StaffActionKind.CLOSE_CASE, 12, reason="se aprueba la prórroga")
    refused = parse_staff_command("cerrar 12")
    assert refused is not None and not isinstance(refused, StaffCommand)
