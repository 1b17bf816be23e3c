"""Collections from a staff member's WhatsApp, through the signed webhook and the fake Twilio: RECORDAR sends the
customer a reminder of what is overdue, ETIQUETA tags, BLOQUEAR (accounting only) blocks and tells the customer,
DEVUELTO takes a bank-returned payment back, TAREA closes a call task; each refusal is audited."""

from __future__ import annotations

import json
from datetime import date, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.collections.chat import CollectionsChat
from bot.collections.desk import CollectionsDesk, Operator
from bot.config import Settings
from bot.db.models import AccessChange, AuditEvent, CallTask, Customer, PaymentReversal, Reminder, StaffMember
from bot.handlers.whatsapp import WhatsAppClient
from tests.collections.conftest import CR, Clock, load_customers, orders, pay
from tests.collections.test_reminder_engine import ROWS
from tests.handlers.whatsapp.conftest import ACCOUNTING_NUMBER, CUSTOMER, SUPPORT_NUMBER, inbound
from tests.handlers.whatsapp.fake_twilio import FakeTwilio
from tests.handlers.whatsapp.harness import paybot_process, to

JOSE = "+50687114455"
NBSP = "\u00a0"


def said(twilio: FakeTwilio, number: str) -> list[str]:
    return [call.form.get("Body", "") for call in to(twilio.accepted, number)]


def told(twilio: FakeTwilio, number: str) -> list[str]:
    """What a customer outside the 24-hour window got: the template's text variable of each message."""
    return [json.loads(call.form["ContentVariables"])["1"].replace(NBSP, " ") for call in to(twilio.accepted, number)]


async def test_staff_remind_tag_block_take_back_a_payment_and_close_a_task_from_whatsapp(
    wa_settings: Settings, engine: Engine, wa_client: WhatsAppClient, twilio: FakeTwilio,
) -> None:
    clock = Clock(datetime(2026, 12, 3, 10, 0, tzinfo=CR))
    with Session(engine, expire_on_commit=False) as session:
        load_customers(session)
        orders(session, *ROWS, today=date(2026, 8, 1))
        payment = pay(session, "1002", "28250.00", on=date(2026, 11, 27), reference="FT-77").payment_id
        session.commit()
    async with paybot_process(wa_settings, engine, wa_client, clock=clock) as paybot:
        paybot.core.collections = CollectionsChat(CollectionsDesk(wa_settings, engine, paybot.core.messenger, clock))
        sid = iter(range(10, 99))

        async def staff(number: str, text: str) -> None:
            await paybot.post(inbound(sid=f"SM{next(sid):032d}", sender=f"whatsapp:{number}", body=text))
            await paybot.settle()

        await staff(SUPPORT_NUMBER, "AYUDA")
        await staff(ACCOUNTING_NUMBER, "AYUDA")
        with Session(engine) as session:
            support_id = session.exec(select(StaffMember.id).where(StaffMember.role == "support")).first()
        assert support_id is not None
        task = CollectionsDesk(wa_settings, engine, paybot.core.messenger, clock).assign_task(
            "1001", support_id, Operator("Laura Contabilidad"), note="ofrecer arreglo de pago")
        await staff(SUPPORT_NUMBER, "RECORDAR 1001")
        await staff(SUPPORT_NUMBER, "recordar 1012")
        await staff(SUPPORT_NUMBER, "ETIQUETA 1001 Llamar Lunes")
        await staff(SUPPORT_NUMBER, "BLOQUEAR 1001 no contesta")
        await staff(ACCOUNTING_NUMBER, "BLOQUEAR 1001 no contesta")
        await staff(ACCOUNTING_NUMBER, f"DEVUELTO {payment} transferencia rebotada")
        await staff(SUPPORT_NUMBER, f"TAREA {task.id} promete pagar el viernes")
        await staff(SUPPORT_NUMBER, "ETIQUETA 1001")

    support, accounting = "\n".join(said(twilio, SUPPORT_NUMBER)), "\n".join(said(twilio, ACCOUNTING_NUMBER))
    assert "Recordatorio (recordatorio de cuota vencida) al cliente 1001 (María José Vargas Solano)" in support
    assert "El cliente 1012 no debe nada: no se le envía recordatorio." in support
    assert "etiquetado «llamar-lunes»" in support
    assert "No tiene permiso para esta acción." in support, "support may not block"
    assert "Cliente 1001 (María José Vargas Solano) bloqueado: no contesta." in accounting
    assert f"Pago {payment} devuelto" in accounting and "vence 28/12/2026" in accounting and "Se avisó al cliente." \
        in accounting
    assert f"Tarea #{task.id} cerrada: promete pagar el viernes" in support
    assert "Uso: ETIQUETA <ID cliente> <etiqueta>" in support

    maria = told(twilio, CUSTOMER)
    assert any("venció el 01/12/2026 (2 días de atraso)" in text and "28 250,00" in text for text in maria)
    assert len([text for text in maria if "venció" in text]) == 1
    assert any("acceso a tu sistema quedó suspendido" in text for text in maria), "told of the block"
    assert any("el banco nos devolvió el pago de ₡28 250,00 (referencia FT-77)" in text for text in told(twilio, JOSE))
    with Session(engine) as session:
        customer = session.exec(select(Customer).where(Customer.client_id == "1001")).one()
        assert customer.tags == ["llamar-lunes"]
        [block] = session.exec(select(AccessChange)).all()
        assert (block.blocked, block.reason) == (True, "no contesta")
        [manual] = session.exec(select(Reminder).where(Reminder.sent_by.is_not(None))).all()  # type: ignore[union-attr]
        assert (manual.kind, manual.state) == ("reminder_overdue", "sent")
        assert session.exec(select(PaymentReversal)).one().reason == "transferencia rebotada"
        assert session.get(CallTask, task.id).state == "closed"  # type: ignore[union-attr]
        done = [e.action for e in session.exec(select(AuditEvent).where(AuditEvent.kind == "collections_action"))]
        refused = [(e.action, e.reason) for e in session.exec(
            select(AuditEvent).where(AuditEvent.kind == "staff_action_refused"))]
    assert done == ["task", "remind", "tag", "block", "returned", "task_close"]
    assert refused == [("remind", "refused"), ("block", "role_not_allowed")]
