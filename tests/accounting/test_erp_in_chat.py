"""Accounting's side in the conversation: a receipt applied from chat goes to the ERP in the same transaction,
the customer's "applied" reply names the invoice and carries its document, a payment the ERP would not take
reaches accounting once with «Sincronizar ahora» / «Sincronizar manualmente», both of which work from the chat
through the same vocabulary as every staff action, and the cards say when the bank already shows the money."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.accounting.bank_import import import_movements
from bot.accounting.bank_profiles import find_profile
from bot.config import Settings
from bot.db.models import AuditEvent, ErpDelivery, Intake, Payment, PaymentEvent
from bot.handlers.staff_commands import CommandError, StaffCommand, parse_staff_command
from bot.service import accounting_jobs
from bot.vocabulary import StaffActionKind
from tests.accounting.conftest import SECRET, FakeErp
from tests.stories import Conversation, conversation_with

SMS = ("Ha recibido 28.250,00 colones por BN SINPE MOVIL de MARIA JOSE VARGAS SOLANO. "
       "Referencia 2026112700998877. Motivo: ID 1001")


def with_erp(engine: Engine, settings: Settings, erp: FakeErp, **extra: object) -> Conversation:
    return conversation_with(engine, settings.model_copy(update={
        "erp_connector": "webhook", "erp_webhook_url": erp.url, "erp_webhook_secret": SecretStr(SECRET), **extra}))


async def applied_receipt(conversation: Conversation) -> tuple[int, Payment]:
    intake_id = await conversation.customer_sends(text=SMS)
    assert intake_id is not None
    assert (await conversation.staff("support", StaffActionKind.APPROVE, intake_id)).ok
    result = await conversation.staff("accounting", StaffActionKind.APPLY, intake_id)
    assert result.ok and "va al ERP" in result.message
    with Session(conversation.engine) as session:
        payment = session.exec(select(Payment).where(Payment.intake_id == intake_id)).one()
        assert session.exec(select(ErpDelivery).where(ErpDelivery.payment_id == payment.id)).one()
    return intake_id, payment


def applied_replies(conversation: Conversation) -> list[str]:
    return [m.text for m in conversation.received_by("customer") if m.kind in ("applied", "applied_missing_id")]


async def test_a_receipt_applied_from_chat_is_synced_and_the_customer_gets_the_invoice_with_its_document(
        demo_engine: Engine, settings: Settings, erp: FakeErp) -> None:
    erp.document = b"%PDF-1.4 factura"
    conversation = with_erp(demo_engine, settings, erp)
    intake_id, payment = await applied_receipt(conversation)
    assert applied_replies(conversation) == [], "the customer waits for the ERP's answer"

    assert conversation.core.erp is not None
    await conversation.core.erp.run_due()
    await conversation.settle()

    [reply] = [m for m in conversation.received_by("customer") if m.kind == "applied"]
    assert "factura es la N.º FE-00100001-0001 (te la adjuntamos)" in reply.text
    assert reply.media_path is not None and Path(reply.media_path).read_bytes() == erp.document
    assert list(erp.accepted) == [f"paybot-payment-{payment.id}"]
    body = erp.accepted[f"paybot-payment-{payment.id}"]
    assert body["payment"]["origin"] == "cliente_chat" and body["payment"]["channel"] == "sandbox"
    with Session(demo_engine) as session:
        intake = session.get(Intake, intake_id)
        assert intake is not None and intake.state == "synced"


async def test_a_payment_the_erp_refuses_reaches_accounting_once_and_is_synced_from_the_chat(
        demo_engine: Engine, settings: Settings, erp: FakeErp) -> None:
    erp.mode = "down"
    conversation = with_erp(demo_engine, settings, erp, erp_max_attempts=1)
    intake_id, payment = await applied_receipt(conversation)
    assert conversation.core.erp is not None
    await conversation.core.erp.run_due()
    await conversation.core.erp.run_due()
    await conversation.settle()

    told = [m for m in conversation.received_by("accounting") if m.kind == "sync_failed"]
    assert len(told) == 1 and "Pagado sin sincronizar" in told[0].text and "503" in told[0].text
    assert [b.data for b in told[0].buttons] == [f"pay:sync:{payment.id}", f"pay:synced:{payment.id}"]
    [reply] = applied_replies(conversation)
    assert "factura" not in reply, "told it is applied, without an invoice the ERP never made"

    refused = await conversation.staff("support", StaffActionKind.SYNC, payment.id or 0)
    assert not refused.ok and "permiso" in refused.message
    erp.mode = "up"
    synced = await conversation.staff("accounting", StaffActionKind.SYNC, payment.id or 0)

    assert synced.ok and "sincronizado con el ERP, factura FE-00100001-0001" in synced.message
    assert len(erp.accepted) == 1
    assert len(applied_replies(conversation)) == 1, "the customer is not told twice"
    with Session(demo_engine) as session:
        intake = session.get(Intake, intake_id)
        assert intake is not None and intake.state == "synced"
        audit = session.exec(select(AuditEvent).where(AuditEvent.action == "sync")).one()
        assert audit.reason == "role_not_allowed" and f"pago {payment.id}" in (audit.detail or "")


async def test_sincronizado_needs_an_explanation_and_marks_the_payment_without_touching_the_erp(
        demo_engine: Engine, settings: Settings, erp: FakeErp) -> None:
    erp.mode = "down"
    conversation = with_erp(demo_engine, settings, erp, erp_max_attempts=1)
    _intake_id, payment = await applied_receipt(conversation)
    assert conversation.core.erp is not None
    await conversation.core.erp.run_due()

    assert isinstance(parse_staff_command(f"SINCRONIZADO {payment.id}"), CommandError)
    parsed = parse_staff_command(f"sincronizado {payment.id} ya estaba pagado en el ERP, asiento 4412")
    assert parsed == StaffCommand(StaffActionKind.SYNCED, payment.id or 0,
                                  reason="ya estaba pagado en el ERP, asiento 4412")
    assert parse_staff_command(f"SINCRONIZAR {payment.id}") == StaffCommand(StaffActionKind.SYNC, payment.id or 0)
    short = await conversation.staff("accounting", StaffActionKind.SYNCED, payment.id or 0, reason="ok")
    assert not short.ok and "Escriba por qué" in short.message
    done = await conversation.staff("accounting", StaffActionKind.SYNCED, payment.id or 0,
                                    reason="ya estaba pagado en el ERP, asiento 4412")

    assert done.ok
    assert len(erp.requests) == 1, "only the failed attempt; marking by hand sends nothing"
    with Session(demo_engine) as session:
        stored = session.get(Payment, payment.id)
        assert stored is not None and stored.sync_state == "synced"
        assert stored.sync_note == "ya estaba pagado en el ERP, asiento 4412"
        event = session.exec(select(PaymentEvent).where(PaymentEvent.kind == "marked_synced")).one()
        assert event.actor == "Contabilidad (sandbox)"


async def test_the_cards_say_visto_en_el_banco_when_the_banks_file_has_the_reference(
        demo_engine: Engine, settings: Settings) -> None:
    with Session(demo_engine) as session:
        export = ('"Fecha movimiento","Oficina","Documento","Descripción","Débitos","Créditos","Saldo"\n'
                  '"27/11/2026","Central","2026112700998877","TRANSF SINPE MARIA","","28,250.00","1.00"\n')
        assert import_movements(session, export.encode(), find_profile("BN"), file_name="bn.csv", actor="t").ok
        session.commit()
    conversation = conversation_with(demo_engine, settings)
    intake_id = await conversation.customer_sends(text=SMS)
    assert intake_id is not None
    assert "🏦 Visto en el banco: ₡28\xa0250,00 el 27/11/2026 (BN)" in conversation.last_to("support").text
    await conversation.staff("support", StaffActionKind.APPROVE, intake_id)
    assert "🏦 Visto en el banco" in conversation.last_to("accounting").text


async def test_the_morning_jobs_run_at_their_configured_times_and_queue_once_a_day(
        demo_engine: Engine, settings: Settings, erp: FakeErp) -> None:
    conversation = with_erp(demo_engine, settings, erp, erp_max_attempts=1, accounting_summary_time="06:45",
                            accounting_report_time="08:05")
    erp.mode = "down"
    await applied_receipt(conversation)
    assert conversation.core.erp is not None
    await conversation.core.erp.run_due()

    jobs = {job.name: job for job in accounting_jobs(conversation.settings, demo_engine, conversation.core)}
    assert set(jobs) == {"erp-sync", "sync-summary", "payments-report"}
    now = datetime(2026, 11, 27, 15, 0, tzinfo=settings.tz)
    assert jobs["sync-summary"].trigger.get_next_fire_time(None, now) == datetime(2026, 11, 28, 6, 45,
                                                                                   tzinfo=settings.tz)
    assert jobs["payments-report"].trigger.get_next_fire_time(None, now) == datetime(2026, 11, 28, 8, 5,
                                                                                      tzinfo=settings.tz)
    assert not jobs["sync-summary"].at_first_start
    for _ in range(2):
        await jobs["sync-summary"].run()
        await jobs["payments-report"].run()
    await conversation.settle()

    kinds = [m.kind for m in conversation.received_by("accounting")]
    assert kinds.count("sync_summary") == 1 and kinds.count("payments_report") == 1
    assert [job.name for job in accounting_jobs(settings, demo_engine, conversation_with(demo_engine, settings).core)
            ] == ["payments-report"], "without an ERP only the report"


@pytest.fixture(autouse=True)
def _quiet_erp_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("CRITICAL", logger="bot.accounting.sync")
