"""The customer's account in the conversation, end to end through the real core (real Tesseract on real
screenshots, real SQLite): what a receipt is checked against, what support, accounting and the customer are
told, and the reminders that follow the balance."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlmodel import Session, select

from bot.account.entries import EntryKind
from bot.account.operations import adjust, contract_balance, customer_balance
from bot.account.reminders import chase_of
from bot.account.repository import load_entries
from bot.contracts.importer import import_contracts, import_customers
from bot.db.models import Contract, Customer, Intake, IntakeEvent, Reminder
from bot.db.rates import set_manual_rate
from bot.intake.messages import StaffActionKind
from bot.intake.reminders import DueReminders
from bot.scheduler import charge_new_periods
from currency.money import Money
from tests.stories import TODAY, Conversation, conversation_with, receipt_png

APPROVE, APPLY, CORRECT, REJECT, FLAG = (StaffActionKind.APPROVE, StaffActionKind.APPLY, StaffActionKind.CORRECT,
                                         StaffActionKind.REJECT, StaffActionKind.FLAG)
NBSP = "\u00a0"

CUSTOMERS = (
    "ID cliente,Tipo de documento,Número de documento,Nombres,Apellidos,Celular_1 código país,Celular_1,Celular_2,"
    "Correo,Correo2\n"
    "2001,Cédula física,109990001,Laura,Campos Mora,506,88776655,,lcampos@example.cr,\n"
    "2002,Cédula jurídica,3101777888,Taller El Pistón,S.A.,506,71112233,,taller@example.cr,\n"
)
CONTRACTS = (
    "Tipo de documento,Número de documento,Código de pago,Cuota,Moneda,Monto,Cargos e intereses,Periodo,IVA,"
    "Fecha inicio,Fecha fin,Fecha de vencimiento,Saldo\n"
    "Cédula física,109990001,WOLK-2001,,CRC,35000.00,0,mensual,0.13,2026-11-01,2027-11-01,2026-12-01,\n"
    "Cédula jurídica,3101777888,WOLK-2002,1,CRC,60000.00,0,cuota,0.13,2026-10-01,2027-04-01,2026-11-01,\n"
    "Cédula jurídica,3101777888,WOLK-2002,2,CRC,60000.00,0,cuota,0.13,2026-10-01,2027-04-01,2026-12-01,\n"
)
LAURA = "+50688776655"
TALLER = "+50671112233"
MARIA = "+50688112233"
ANA, ANA_NAME = "+50683335566", "ANA LUCIA JIMENEZ QUESADA"


def shown(text: str) -> str:
    return text.replace(NBSP, " ")


def load_more_customers(conversation: Conversation) -> None:
    """Laura (ID 2001): a monthly ₡35 000 + IVA = ₡39 550 due 1 December; Taller El Pistón (ID 2002): two cuotas
    of ₡67 800, the first overdue since 1 November; nothing paid on either."""
    with Session(conversation.engine) as session:
        assert import_customers(session, CUSTOMERS.encode()).ok
        assert import_contracts(session, CONTRACTS.encode(), today=TODAY).ok
        session.commit()


def sms(amount: str, reference: str, client_id: str, payer: str = "MARIA JOSE VARGAS SOLANO") -> str:
    """A bank's SINPE notification pasted in the chat."""
    return (f"Ha recibido {amount} colones por BN SINPE MOVIL de {payer}. Referencia {reference}. "
            f"Motivo: ID {client_id}")


def reminders_of(conversation: Conversation, intake_id: int | None = None) -> list[Reminder]:
    with Session(conversation.engine) as session:
        query = select(Reminder).order_by(Reminder.id)  # type: ignore[arg-type]
        if intake_id is not None:
            query = query.where(Reminder.intake_id == intake_id)
        return list(session.exec(query).all())


def pending(conversation: Conversation) -> list[Reminder]:
    return [r for r in reminders_of(conversation) if r.state == "pending"]


def customer_id(conversation: Conversation, client_id: str) -> int:
    with Session(conversation.engine) as session:
        found = session.exec(select(Customer).where(Customer.client_id == client_id)).one()
        assert found.id is not None
        return found.id


def orders(conversation: Conversation, client_id: str) -> list[Contract]:
    with Session(conversation.engine) as session:
        return list(session.exec(select(Contract).where(Contract.customer_id == customer_id(conversation, client_id))
                                 .order_by(Contract.installment)).all())  # type: ignore[arg-type]


async def test_short_payment_told_the_difference_then_paying_exactly_it_completes_and_stops_the_reminders(
    conversation: Conversation,
) -> None:
    load_more_customers(conversation)
    first = await conversation.customer_sends(
        receipt_png("20000.00", description="Pago ID WOLK 2001", payer="Laura Campos Mora", seed=21), phone=LAURA)
    assert first is not None
    card = shown(conversation.last_to("support").text)
    assert "❌ Monto: Pago incompleto: pagó ₡20 000,00 y debía ₡39 550,00; diferencia pendiente ₡19 550,00" in card
    assert "Saldo anterior: ₡39 550,00" in card and "Saldo nuevo: ₡19 550,00" in card
    assert "Mensualidad dic. 2026 · WOLK-2001 (vence 01/12/2026): ₡20 000,00, quedan ₡19 550,00" in card

    assert (await conversation.staff("support", APPROVE, first)).ok
    told = conversation.last_to("customer")
    assert told.kind == "short_payment"
    assert "era ₡39 550,00" in shown(told.text) and "diferencia pendiente de *₡19 550,00*" in shown(told.text)
    assert "*ID WOLK 2001*" in told.text
    chasing = pending(conversation)
    assert len(chasing) == 2 and all(chase_of(r).amount == Money(Decimal("19550.00"), "CRC") for r in chasing)
    assert (await conversation.staff("accounting", APPLY, first)).ok
    applied = shown(conversation.last_to("customer").text)
    assert "ya se encuentra aplicado" in applied and "falta cancelar *₡19 550,00*" in applied
    assert "sistema está activo" not in applied
    assert len(pending(conversation)) == 2, "applying a short payment leaves its difference chased"

    second = await conversation.customer_sends(
        receipt_png("19550.00", description="Diferencia ID WOLK 2001", payer="Laura Campos Mora", seed=22),
        phone=LAURA)
    assert second is not None
    card = shown(conversation.last_to("support").text)
    assert "✅ Monto: Monto correcto: pagó ₡19 550,00 y debía ₡19 550,00" in card
    assert "Saldo anterior: ₡19 550,00" in card and "Saldo nuevo: ₡0,00" in card
    assert (await conversation.staff("support", APPROVE, second)).ok
    assert conversation.last_to("customer").kind == "received", "script #1, not another difference"
    assert pending(conversation) == [], "every reminder of that balance stopped"
    assert reminders_of(conversation, second) == [], "and no new ones"

    assert (await conversation.staff("accounting", APPLY, second)).ok
    assert "por ende, el sistema está activo" in conversation.last_to("customer").text
    sender = DueReminders(conversation.engine, conversation.core.messenger)
    assert sender.send_due(now=datetime(2026, 12, 31, tzinfo=conversation.settings.tz)) == 0
    with Session(conversation.engine) as session:
        [order] = orders(conversation, "2001")
        assert contract_balance(session, order.id or 0) == Money(Decimal("0"), "CRC")


async def test_the_exact_difference_is_complete_even_before_accounting_applied_the_first_payment(
    conversation: Conversation,
) -> None:
    load_more_customers(conversation)
    first = await conversation.customer_sends(
        text=sms("20.000,00", "2026112700000000000000111", "2001", payer="LAURA CAMPOS MORA"), phone=LAURA)
    assert first is not None and (await conversation.staff("support", APPROVE, first)).ok
    assert "diferencia pendiente de *₡19 550,00*" in shown(conversation.last_to("customer").text)

    second = await conversation.customer_sends(
        text=sms("19.550,00", "2026112700000000000000112", "2001", payer="LAURA CAMPOS MORA"), phone=LAURA)
    assert second is not None
    card = shown(conversation.last_to("support").text)
    assert "✅ Monto" in card and "Saldo anterior: ₡19 550,00" in card, "the approved ₡20 000 already counts"
    assert (await conversation.staff("support", APPROVE, second)).ok
    assert conversation.last_to("customer").kind == "received"
    assert pending(conversation) == []

    assert (await conversation.staff("accounting", APPLY, first)).ok
    told = conversation.last_to("customer").text
    assert "el sistema está activo" in told and "falta" not in told, "the second receipt pays the rest"
    assert (await conversation.staff("accounting", APPLY, second)).ok
    assert "el sistema está activo" in conversation.last_to("customer").text
    with Session(conversation.engine) as session:
        assert customer_balance(session, customer_id(conversation, "2001"), today=TODAY).settled


async def test_one_payment_for_two_cuotas_settles_both_oldest_first_and_says_which(
    conversation: Conversation,
) -> None:
    load_more_customers(conversation)
    intake_id = await conversation.customer_sends(
        text=sms("135.600,00", "2026112700000000000000201", "2002", payer="TALLER EL PISTON SA"), phone=TALLER)
    assert intake_id is not None
    card = shown(conversation.last_to("support").text)
    assert "Cuota 1 · WOLK-2002 (vence 01/11/2026): ₡67 800,00, cancelado" in card
    assert "Cuota 2 · WOLK-2002 (vence 01/12/2026): ₡67 800,00, cancelado" in card
    assert card.index("Cuota 1 · WOLK-2002 (vence") < card.index("Cuota 2 · WOLK-2002 (vence")
    assert (await conversation.staff("support", APPROVE, intake_id)).ok
    reply = conversation.last_to("customer")
    assert reply.kind == "received_missing_id" or reply.kind == "received"
    assert "quedan al día: Cuota 1 · WOLK-2002, Cuota 2 · WOLK-2002" in reply.text
    assert pending(conversation) == []
    assert (await conversation.staff("accounting", APPLY, intake_id)).ok
    with Session(conversation.engine) as session:
        assert [contract_balance(session, o.id or 0).amount for o in orders(conversation, "2002")] == [0, 0]


async def test_support_chooses_the_order_a_receipt_pays_and_the_payment_pays_that_one(
    conversation: Conversation,
) -> None:
    load_more_customers(conversation)
    cuota_1, cuota_2 = orders(conversation, "2002")
    intake_id = await conversation.customer_sends(
        text=sms("67.800,00", "2026112700000000000000202", "2002", payer="TALLER EL PISTON SA"), phone=TALLER)
    assert intake_id is not None
    card = conversation.last_to("support")
    button = ("📑 Paga WOLK-2002 cuota 2", f"pay:contract:{intake_id}:{cuota_2.id}")
    assert button in [(b.label, b.data) for b in card.buttons], "the other order is offered on the card"
    assert "Cuota 1 · WOLK-2002 (vence 01/11/2026): ₡67 800,00, cancelado" in shown(card.text)

    result = await conversation.staff("support", StaffActionKind.CONTRACT, intake_id, value=f"#{cuota_2.id}")
    assert result.ok, result.message
    card = shown(conversation.last_to("support").text)
    assert "Contrato WOLK-2002 · ₡60 000,00 cuota 2" in card and "elegido por Soporte (sandbox)" in card
    assert "Cuota 2 · WOLK-2002 (vence 01/12/2026): ₡67 800,00, cancelado" in card
    assert "❌ Monto" in card, "cuota 1 is overdue and still unpaid"
    with Session(conversation.engine) as session:
        event = session.exec(select(IntakeEvent).where(IntakeEvent.intake_id == intake_id)
                             .where(IntakeEvent.reason == "contrato elegido por soporte")).one()
    assert event.changes == {"contract_id": [cuota_1.id, cuota_2.id]}

    refused = await conversation.staff("support", StaffActionKind.CONTRACT, intake_id, value="WOLK-9999")
    assert not refused.ok and "no tiene el contrato WOLK-9999" in refused.message
    assert (await conversation.staff("support", APPROVE, intake_id)).ok
    assert (await conversation.staff("accounting", APPLY, intake_id)).ok
    with Session(conversation.engine) as session:
        assert contract_balance(session, cuota_2.id or 0).amount == 0
        assert contract_balance(session, cuota_1.id or 0).amount == Decimal("67800.00")


async def test_an_overpayment_is_told_as_credit_to_customer_and_accounting_and_pays_next_months_charge(
    conversation: Conversation,
) -> None:
    intake_id = await conversation.customer_sends(
        text=sms("22.000,00", "2026112700000000000000301", "1004", payer=ANA_NAME), phone=ANA)
    assert intake_id is not None
    card = conversation.last_to("support")
    assert "⚠️ Monto: Pagó de más" in card.text and "saldo a favor de ₡1 095,00" in shown(card.text)
    assert {b.data for b in card.buttons} >= {f"pay:keep_credit:{intake_id}", f"pay:refund:{intake_id}"}
    assert (await conversation.staff("support", APPROVE, intake_id)).ok
    assert "Te queda un saldo a favor de ₡1 095,00" in shown(conversation.last_to("customer").text)
    assert "Saldo a favor del cliente: ₡1 095,00" in shown(conversation.last_to("accounting").text)
    result = await conversation.staff("accounting", APPLY, intake_id)
    assert result.ok and "Saldo a favor del cliente: ₡1 095,00" in shown(result.message)
    assert "Te quedó un saldo a favor de ₡1 095,00" in shown(conversation.last_to("customer").text)

    january = datetime(2027, 1, 1, 6, 0, tzinfo=conversation.settings.tz)
    assert charge_new_periods(conversation.settings, conversation.engine, january) >= 1
    assert charge_new_periods(conversation.settings, conversation.engine, january) == 0, "once per period"
    with Session(conversation.engine) as session:
        balance = customer_balance(session, customer_id(conversation, "1004"), today=january.date())
        [account] = balance.accounts
        assert account.balance == Decimal("19810.00") and account.credit == 0
        [charge] = account.open_charges
        assert charge.description == "Mensualidad ene. 2027 · WOLK-1004" and charge.open == Decimal("19810.00")


async def test_the_same_period_paid_twice_is_flagged_and_support_records_the_refund(
    conversation: Conversation,
) -> None:
    first = await conversation.customer_sends(text=sms("28.250,00", "2026112600000000000000401", "1001"))
    assert first is not None
    assert (await conversation.staff("support", APPROVE, first)).ok
    assert (await conversation.staff("accounting", APPLY, first)).ok

    again = await conversation.customer_sends(text=sms("28.250,00", "2026112700000000000000402", "1001"))
    assert again is not None
    card = conversation.last_to("support")
    assert ("⚠️ Monto: Posible pago duplicado: Mensualidad dic. 2026 · WOLK-1001 (vence 01/12/2026) ya estaba "
            "pagado con la referencia 2026112600000000000000401") in card.text
    assert {("💳 Dejar a favor", f"pay:keep_credit:{again}"), ("💸 Devolver el dinero", f"pay:refund:{again}")} <= {
        (b.label, b.data) for b in card.buttons}

    result = await conversation.staff("support", StaffActionKind.REFUND, again)
    assert result.ok, result.message
    assert (await conversation.staff("support", APPROVE, again)).ok
    assert "te lo devolveremos" in conversation.last_to("customer").text
    assert "Lo pagado de más se devuelve al cliente" in conversation.last_to("accounting").text
    result = await conversation.staff("accounting", APPLY, again)
    assert result.ok and "Devolución registrada: ₡28 250,00" in shown(result.message)
    with Session(conversation.engine) as session:
        entries = load_entries(session, customer_id(conversation, "1001"))
        [refund] = [e for e in entries if e.kind is EntryKind.REFUND]
        assert refund.amount == Decimal("28250.00") and "comprobante #" in (refund.reason or "")
        assert customer_balance(session, customer_id(conversation, "1001"), today=TODAY).accounts[0].balance == 0
        decisions = [e.changes for e in session.exec(select(IntakeEvent).where(IntakeEvent.intake_id == again))
                     if "overpayment" in e.changes]
    assert [d["overpayment"] for d in decisions] == [[None, "refund"], ["refund", "refunded"]]
    late = await conversation.staff("support", StaffActionKind.KEEP_CREDIT, again)
    assert not late.ok and "ya quedó registrada" in late.message


async def test_the_same_period_paid_twice_kept_as_credit_pays_the_next_cuota(conversation: Conversation) -> None:
    first = await conversation.customer_sends(
        text=sms("20.905,00", "2026112600000000000000501", "1004", payer=ANA_NAME), phone=ANA)
    assert first is not None and (await conversation.staff("support", APPROVE, first)).ok
    assert (await conversation.staff("accounting", APPLY, first)).ok
    again = await conversation.customer_sends(
        text=sms("20.905,00", "2026112700000000000000502", "1004", payer=ANA_NAME), phone=ANA)
    assert again is not None
    assert "Posible pago duplicado" in conversation.last_to("support").text
    assert (await conversation.staff("support", StaffActionKind.KEEP_CREDIT, again)).ok
    assert (await conversation.staff("support", APPROVE, again)).ok
    assert (await conversation.staff("accounting", APPLY, again)).ok
    assert "Te quedó un saldo a favor de ₡20 905,00" in shown(conversation.last_to("customer").text)
    january = datetime(2027, 1, 2, tzinfo=conversation.settings.tz)
    charge_new_periods(conversation.settings, conversation.engine, january)
    with Session(conversation.engine) as session:
        [account] = customer_balance(session, customer_id(conversation, "1004"), today=date(2027, 1, 2)).accounts
        assert account.balance == 0 and account.open_charges == ()
        event = session.exec(select(IntakeEvent).where(IntakeEvent.intake_id == again)
                             .where(IntakeEvent.reason == "pago de más: queda como saldo a favor para la próxima cuota")
                             ).one()
        assert event.actor == "Soporte (sandbox)"


async def test_reminders_follow_the_intake_rejected_after_approval_approved_twice_or_corrected_to_the_full_amount(
    conversation: Conversation,
) -> None:
    rejected = await conversation.customer_sends(text=sms("20.000,00", "2026112700000000000000601", "1001"))
    assert rejected is not None and (await conversation.staff("support", APPROVE, rejected)).ok
    assert len(pending(conversation)) == 2
    assert (await conversation.staff("support", REJECT, rejected, reason="el banco reversó la transferencia")).ok
    assert pending(conversation) == [], "an intake rejected after approval leaves no reminders behind"

    twice = await conversation.customer_sends(text=sms("20.000,00", "2026112700000000000000602", "1001"))
    assert twice is not None and (await conversation.staff("support", APPROVE, twice)).ok
    assert (await conversation.staff("accounting", FLAG, twice, reason="revisar el banco")).ok
    assert (await conversation.staff("support", APPROVE, twice)).ok
    assert len(reminders_of(conversation, twice)) == 2, "approving twice never schedules a second set"

    assert (await conversation.staff("accounting", FLAG, twice, reason="el monto es otro")).ok
    assert (await conversation.staff("support", CORRECT, twice, field="amount", value="28250")).ok
    assert pending(conversation) == [], "corrected to the full amount, its own reminders stop"
    assert (await conversation.staff("support", APPROVE, twice)).ok
    assert conversation.last_to("customer").kind == "received"
    assert pending(conversation) == []


async def test_a_reimport_with_saldo_zero_or_an_adjustment_stops_the_reminders_of_that_balance(
    conversation: Conversation,
) -> None:
    intake_id = await conversation.customer_sends(text=sms("20.000,00", "2026112700000000000000701", "1001"))
    assert intake_id is not None and (await conversation.staff("support", APPROVE, intake_id)).ok
    assert len(pending(conversation)) == 2
    with Session(conversation.engine) as session:
        adjust(session, customer_id(conversation, "1001"), Decimal("-8250.00"), reason="descuento acordado",
               actor="test:admin", on_date=TODAY)
        session.commit()
    assert len(pending(conversation)) == 2, "the payment is approved, not applied: the charge is still open"
    with Session(conversation.engine) as session:
        adjust(session, customer_id(conversation, "1001"), Decimal("-20000.00"), reason="pagado en efectivo",
               actor="test:admin", on_date=TODAY)
        session.commit()
    assert pending(conversation) == [], "whatever made it zero"

    other = await conversation.customer_sends(text=sms("10.000,00", "2026112700000000000000702", "1004",
                                                       payer=ANA_NAME), phone=ANA)
    assert other is not None and (await conversation.staff("support", APPROVE, other)).ok
    assert len(pending(conversation)) == 2
    contracts = ("Tipo de documento,Número de documento,Código de pago,Cuota,Moneda,Monto,Cargos e intereses,Periodo,"
                 "IVA,Fecha inicio,Fecha fin,Fecha de vencimiento,Saldo\n"
                 "Cédula física,304560123,WOLK-1004,,CRC,18500.00,0,mensual,0.13,2026-05-01,2027-05-01,2026-12-01,0\n")
    with Session(conversation.engine) as session:
        assert import_contracts(session, contracts.encode(), today=TODAY).ok
        session.commit()
    assert pending(conversation) == [], "a re-import with Saldo 0 closes the order and its reminders"


async def test_a_usd_contract_paid_in_colones_across_a_rate_change_is_told_in_colones_at_each_days_rate(
    conversation: Conversation,
) -> None:
    jose = "+50687114455"
    first = await conversation.customer_sends(
        receipt_png("20000.00", description="Pago ID WOLK 1002", payer="José Pablo Rodríguez Mora", seed=31),
        phone=jose)
    assert first is not None
    card = shown(conversation.last_to("support").text)
    assert "Este pago: ₡20 000,00 = US$39,23 (tipo de cambio de venta ₡509,85 del 27/11/2026)" in card
    assert "diferencia pendiente ₡5 924,46" in card
    assert (await conversation.staff("support", APPROVE, first)).ok
    told = shown(conversation.last_to("customer").text)
    assert "diferencia pendiente de *₡5 924,46*" in told and "₡509,85 del 27/11/2026" in told
    assert (await conversation.staff("accounting", APPLY, first)).ok

    next_day = date(2026, 11, 28)
    with Session(conversation.engine) as session:
        set_manual_rate(session, next_day, Decimal("514.00"), Decimal("520.00"))
        session.commit()
    tomorrow = conversation_with(conversation.engine, conversation.settings, on=next_day)
    [reminder, _later] = pending(conversation)
    assert DueReminders(tomorrow.engine, tomorrow.core.messenger).send_due(reminder.due_at + timedelta(minutes=1)) == 1
    await tomorrow.dispatcher.flush()
    nudge = shown(tomorrow.last_to("customer").text)
    assert "diferencia pendiente de *₡6 042,40* (tipo de cambio de venta ₡520,00 del 28/11/2026)" in nudge

    second = await tomorrow.customer_sends(
        receipt_png("6042.40", description="Diferencia ID WOLK 1002", payer="José Pablo Rodríguez Mora",
                    on=next_day, seed=32), phone=jose, message_id="t1")
    assert second is not None
    assert "✅ Monto" in tomorrow.last_to("support").text
    assert (await tomorrow.staff("support", APPROVE, second)).ok
    assert (await tomorrow.staff("accounting", APPLY, second)).ok
    assert "el sistema está activo" in tomorrow.last_to("customer").text
    assert pending(conversation) == []
    with Session(conversation.engine) as session:
        [order] = orders(conversation, "1002")
        assert contract_balance(session, order.id or 0) == Money(Decimal("0"), "USD")
        payments = [e for e in load_entries(session, customer_id(conversation, "1002")) if e.kind is EntryKind.PAYMENT]
        assert [(p.amount, p.rate) for p in payments] == [(Decimal("-39.23"), Decimal("509.85")),
                                                         (Decimal("-11.62"), Decimal("520.00"))]


async def test_the_greeting_names_the_approving_agent_when_their_name_is_on_record(conversation: Conversation) -> None:
    from bot.db.models import StaffMember
    from bot.intake.messages import StaffAction

    with Session(conversation.engine) as session:
        session.add(StaffMember(name="Andrea Solís", role="support", whatsapp_number="+50670000001"))
        session.commit()
    named = await conversation.customer_sends(text=sms("28.250,00", "2026112700000000000000801", "1001"))
    assert named is not None
    result = await conversation.core.act(StaffAction(channel="whatsapp", user="+50670000001", chat="+50670000001",
                                                     kind=APPROVE, intake_id=named))
    await conversation.settle()
    assert result.ok, result.message
    assert conversation.last_to("customer").text.startswith("¡Hola María, te saluda Andrea Solís! 👋")

    unnamed = await conversation.customer_sends(text=sms("20.905,00", "2026112700000000000000802", "1004",
                                                         payer=ANA_NAME), phone=ANA)
    assert unnamed is not None and (await conversation.staff("support", APPROVE, unnamed)).ok
    assert f"te saluda {conversation.settings.agent_name}!" in conversation.last_to("customer").text


async def test_an_id_typed_by_the_agent_still_gets_scripts_2_and_3b_and_the_payer_is_learned(
    conversation: Conversation,
) -> None:
    intake_id = await conversation.customer_sends(
        receipt_png("28250.00", description="Pago mensualidad", payer="Roberto Salas Mena", seed=41),
        phone="+50670009999")
    assert intake_id is not None
    assert "❌ ID de cliente" in conversation.last_to("support").text
    assert (await conversation.staff("support", CORRECT, intake_id, field="client_id", value="1001")).ok
    assert "ID 1001 indicado por soporte" in conversation.last_to("support").text
    assert (await conversation.staff("support", APPROVE, intake_id)).ok
    script_2 = conversation.last_to("customer")
    assert script_2.kind == "received_missing_id" and "*ID WOLK 1001*" in script_2.text
    assert (await conversation.staff("accounting", APPLY, intake_id)).ok
    script_3b = conversation.last_to("customer")
    assert script_3b.kind == "applied_missing_id" and "indica siempre tu *ID WOLK 1001*" in script_3b.text
    with Session(conversation.engine) as session:
        customer = session.get(Customer, customer_id(conversation, "1001"))
        assert customer is not None and "Roberto Salas Mena" in customer.known_payer_names
        stored = session.get(Intake, intake_id)
        assert stored is not None and stored.fields["typed_by_staff"] == ["client_id"]


async def test_an_expired_contract_paid_short_is_told_both(conversation: Conversation) -> None:
    intake_id = await conversation.customer_sends(
        receipt_png("10000.00", description="ID 1006 mensualidad", payer="Carlos Andrés Chaves Araya", seed=51),
        phone="+50688990011")
    assert intake_id is not None
    assert (await conversation.staff("support", APPROVE, intake_id)).ok
    reply = conversation.last_to("customer")
    assert reply.kind == "contract_expired"
    assert "espera de la activación" in reply.text and "diferencia pendiente de *₡7 285,76*" in shown(reply.text)
    assert len(pending(conversation)) == 2, "the difference is reminded too"


def test_reminder_rules_read_reminders_written_before_the_account() -> None:
    legacy = Reminder(kind="reminder_short_payment", channel="sandbox", recipient="+50688112233",
                      payload={"difference": "8250.00", "hours": 24})
    chase = chase_of(legacy)
    assert chase.amount == Money(Decimal("8250.00"), "CRC") and chase.charges == () and chase.hours == 24
