"""Stories of the customer's account on a real database: cuotas, payments, credit, Saldo updates, currencies."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import Session, select

from bot.account.entries import EntryKind, PaymentMethod
from bot.account.operations import (
    AccountError,
    AllocationResult,
    ReferenceAlreadyApplied,
    adjust,
    contract_balance,
    customer_balance,
    find_settled_period,
    open_balances,
    post_payment,
    preview_payment,
    record_refund,
)
from bot.account.orders import generate_period_charges
from bot.account.repository import load_entries
from bot.contracts.registry import select_contract
from bot.db.models import AccountEntry, Intake, Payment, ReminderState
from bot.db.rates import set_manual_rate
from currency.money import Money
from tests.account.conftest import (
    NOW,
    POLICY,
    TODAY,
    contract,
    customer_id,
    orders,
    pay,
    pending_reminder,
)
from tests.contracts.conftest import DATA

CUOTA_DEC = "Cédula física,112340567,WOLK-1001,,CRC,35000.00,0,cuota,0.13,2026-10-01,2027-10-01,2026-12-01,"
PLAN = (
    "Cédula jurídica,3101222333,WOLK-1012,1,CRC,60000.00,0,cuota,0.13,2026-10-01,2027-04-01,2026-11-01,",
    "Cédula jurídica,3101222333,WOLK-1012,2,CRC,60000.00,0,cuota,0.13,2026-10-01,2027-04-01,2026-12-01,",
    "Cédula jurídica,3101222333,WOLK-1012,3,CRC,60000.00,0,cuota,0.13,2026-10-01,2027-04-01,2027-01-01,",
)


def crc(amount: str) -> Money:
    return Money(Decimal(amount), "CRC")


def test_short_payment_then_the_exact_difference_settles_the_cuota_and_stops_its_reminders(
    customers: Session,
) -> None:
    session = customers
    orders(session, CUOTA_DEC)
    order = contract(session, "WOLK-1001")
    assert order.id is not None
    entries_before = len(session.exec(select(AccountEntry)).all())
    preview = preview_payment(session, customer_id(session, "1001"), crc("20000.00"), date(2026, 11, 27),
                              policy=POLICY)
    assert len(session.exec(select(AccountEntry)).all()) == entries_before, "a preview writes nothing"
    first = pay(session, "1001", "20000.00", on=date(2026, 11, 27), reference="FT1")
    assert replace(preview, payment_id=first.payment_id, entry_id=first.entry_id) == first
    assert AllocationResult.from_json(first.to_json()) == first
    assert (first.previous_balance, first.new_balance) == (crc("39550.00"), crc("19550.00"))
    [charge] = first.charges
    assert (charge.description, charge.due_date, charge.open_after) == (
        "Cuota · WOLK-1001", date(2026, 12, 1), Decimal("19550.00"))
    reminder = pending_reminder(session, "1001", order.id)

    second = pay(session, "1001", "19550.00", on=date(2026, 11, 28), reference="FT2")
    assert second.new_balance == crc("0.00") and second.balance_reached_zero
    assert [c.description for c in second.settled] == ["Cuota · WOLK-1001"]
    assert second.reminders_cancelled == 1
    session.refresh(reminder)
    assert reminder.state == ReminderState.CANCELLED.value
    assert contract_balance(session, order.id) == crc("0")


def test_two_cuotas_paid_at_once_settle_oldest_first_and_say_which(customers: Session) -> None:
    session = customers
    orders(session, *PLAN)
    result = pay(session, "1012", "135600.00", reference="BN-9")
    assert [(c.description, c.settled) for c in result.charges] == [
        ("Cuota 1 · WOLK-1012", True), ("Cuota 2 · WOLK-1012", True)]
    balance = customer_balance(session, customer_id(session, "1012"), today=TODAY, policy=POLICY)
    [left] = balance.open_charges
    assert (left.description, left.due_date, left.open) == (
        "Cuota 3 · WOLK-1012", date(2027, 1, 1), Decimal("67800.00"))
    assert "Cuota 1 · WOLK-1012 (vence 01/11/2026): ₡67\u00a0800,00, cancelado" in "\n".join(result.lines())


def test_overpayment_is_credit_that_pays_next_months_charge_the_day_it_is_generated(customers: Session) -> None:
    session = customers
    orders(session, "Cédula física,112340567,WOLK-1001,,CRC,25000.00,0,mensual,0.13,2026-01-01,2027-01-01,"
                    "2026-11-01,")
    over = pay(session, "1001", "30000.00", reference="FT9", on=date(2026, 11, 3))
    assert over.credit_created == crc("1750.00") and over.new_balance == crc("-1750.00")

    assert generate_period_charges(session, date(2026, 11, 30)) == 0
    assert generate_period_charges(session, date(2026, 12, 1)) == 1
    assert generate_period_charges(session, date(2026, 12, 1)) == 0, "a second run charges nothing"
    session.commit()
    with Session(session.get_bind()) as restarted:
        assert generate_period_charges(restarted, date(2026, 12, 20)) == 0, "nor a run after a restart"
    balance = customer_balance(session, customer_id(session, "1001"), today=date(2026, 12, 1), policy=POLICY)
    [december] = balance.open_charges
    assert (december.description, december.open) == ("Mensualidad dic. 2026 · WOLK-1001", Decimal("26500.00"))
    assert balance.accounts[0].credit == 0
    assert generate_period_charges(session, date(2027, 3, 1)) == 0, "the contract ended on 01/01/2027"


def test_reimport_with_saldo_zero_closes_the_order_and_cancels_pending_reminders(customers: Session) -> None:
    session = customers
    orders(session, CUOTA_DEC + "39550.00")
    order = contract(session, "WOLK-1001")
    reminder = pending_reminder(session, "1001", order.id)
    other = pending_reminder(session, "1001", None)
    report = orders(session, CUOTA_DEC + "0", today=date(2026, 11, 29))
    assert report.account is not None and report.account.balance_updates == 1
    assert report.account.reminders_cancelled == 2
    session.refresh(reminder)
    session.refresh(other)
    assert {reminder.state, other.state} == {ReminderState.CANCELLED.value}
    [update] = [e for e in load_entries(session, customer_id(session, "1001")) if e.kind is EntryKind.IMPORT_UPDATE]
    assert (update.amount, update.on_date) == (Decimal("-39550.00"), date(2026, 11, 29))
    assert update.description.startswith("Actualización de saldo por importación")
    before = len(session.exec(select(AccountEntry)).all())
    again = orders(session, CUOTA_DEC + "0", today=date(2026, 11, 30))
    assert again.account is not None and again.account.balance_updates == 0
    assert len(session.exec(select(AccountEntry)).all()) == before, "the same file twice writes nothing"


def test_a_saldo_lowered_by_the_erp_after_paybot_applied_the_payment_changes_nothing(customers: Session) -> None:
    session = customers
    orders(session, CUOTA_DEC + "39550.00")
    pay(session, "1001", "20000.00", reference="FT1")
    orders(session, CUOTA_DEC + "39550.00")
    assert contract_balance(session, contract(session, "WOLK-1001").id or 0) == crc("19550.00"), \
        "an unchanged (stale) Saldo does not undo a payment"
    orders(session, CUOTA_DEC + "19550.00")
    assert contract_balance(session, contract(session, "WOLK-1001").id or 0) == crc("19550.00")
    orders(session, CUOTA_DEC + "9550.00")
    assert contract_balance(session, contract(session, "WOLK-1001").id or 0) == crc("9550.00")


def test_usd_contract_paid_in_colones_across_a_rate_change(customers: Session) -> None:
    session = customers
    set_manual_rate(session, date(2026, 11, 20), Decimal("500.00"), Decimal("506.00"))
    set_manual_rate(session, date(2026, 11, 27), Decimal("503.10"), Decimal("509.85"))
    orders(session, "Cédula física,205670891,WOLK-1002,,USD,45.00,0,mensual,0.13,2026-03-15,2027-03-15,"
                    "2026-12-15,")
    first = pay(session, "1002", "12650.00", on=date(2026, 11, 20), reference="A1")
    assert first.applied == Money(Decimal("25.00"), "USD")
    assert first.rate is not None and first.rate.value == Decimal("506.00")
    assert first.new_balance == Money(Decimal("25.85"), "USD")

    told = customer_balance(session, customer_id(session, "1002"), today=TODAY, policy=POLICY)
    assert told.in_colones() == crc("13179.62")
    assert told.rate is not None and "₡509,85 del 27/11/2026" in told.rate.describe()

    second = pay(session, "1002", "13179.62", on=date(2026, 11, 27), reference="A2")
    assert second.applied == Money(Decimal("25.85"), "USD")
    assert second.new_balance == Money(Decimal("0.00"), "USD")
    assert [c.settled for c in second.charges] == [True]


def test_a_residue_within_the_colon_of_tolerance_is_closed_with_a_rounding_adjustment(customers: Session) -> None:
    session = customers
    orders(session, CUOTA_DEC)
    result = pay(session, "1001", "39549.50", reference="R1")
    assert result.written_off == crc("0.50") and result.new_balance == crc("0.00")
    [rounding] = [e for e in load_entries(session, customer_id(session, "1001")) if e.kind is EntryKind.ADJUSTMENT]
    assert rounding.reason and "tolerancia" in rounding.reason


def test_a_reference_is_applied_only_once_whether_it_came_by_chat_or_by_hand(customers: Session) -> None:
    session = customers
    orders(session, CUOTA_DEC)
    intake = Intake(channel="sandbox", external_id="x1", sender="+50688112233", state="applied")
    session.add(intake)
    session.flush()
    session.add(Payment(intake_id=intake.id, customer_id=customer_id(session, "1001"), amount=Decimal("39550"),
                        bank="BAC", reference="FT777", applied_by="accounting"))
    session.flush()
    with pytest.raises(ReferenceAlreadyApplied, match=f"comprobante #{intake.id}"):
        pay(session, "1001", "39550.00", reference="FT777", bank="BAC")
    with pytest.raises(ReferenceAlreadyApplied):
        pay(session, "1001", "39550.00", reference="FT777")
    pay(session, "1001", "100.00", reference="FT777", bank="BCR")


def test_the_same_period_paid_twice_with_another_reference_is_recognised_and_can_be_refunded(
    customers: Session,
) -> None:
    session = customers
    orders(session, CUOTA_DEC)
    pay(session, "1001", "39550.00", reference="GINIH-55")
    cid = customer_id(session, "1001")
    again = find_settled_period(session, cid, crc("39550.00"), TODAY, policy=POLICY, reference="BN-12")
    assert again is not None
    assert (again.description, again.references) == ("Cuota · WOLK-1001", ("GINIH-55",))
    assert find_settled_period(session, cid, crc("39550.00"), TODAY, policy=POLICY, reference="GINIH-55") is None

    second = pay(session, "1001", "39550.00", reference="BN-12", method=PaymentMethod.DEPOSIT)
    assert second.credit_created == crc("39550.00")
    refund = record_refund(session, cid, Decimal("39550.00"), reason="Pago duplicado, se devuelve a la tarjeta",
                           actor="test:accounting", on_date=TODAY)
    assert refund.new_balance == crc("0.00")


def test_an_adjustment_needs_a_written_reason_and_may_take_off_or_add(customers: Session) -> None:
    session = customers
    orders(session, CUOTA_DEC)
    cid = customer_id(session, "1001")
    with pytest.raises(AccountError, match="motivo"):
        adjust(session, cid, Decimal("-500"), reason="  ", actor="cli:ana", on_date=TODAY)
    off = adjust(session, cid, Decimal("-550.00"), reason="Descuento por caída del servicio", actor="cli:ana",
                 on_date=TODAY)
    assert (off.previous_balance, off.new_balance) == (crc("39550.00"), crc("39000.00"))
    on = adjust(session, cid, Decimal("1000.00"), reason="Cargo por reconexión", actor="cli:ana", on_date=TODAY)
    assert on.new_balance == crc("40000.00")
    rows = session.exec(select(AccountEntry).where(AccountEntry.kind == "adjustment")).all()
    assert {(r.actor, r.reason) for r in rows} == {
        ("cli:ana", "Descuento por caída del servicio"), ("cli:ana", "Cargo por reconexión")}


def test_the_sample_orders_owe_what_their_saldo_says(session: Session) -> None:
    from bot.contracts.importer import import_contracts, import_customers

    assert import_customers(session, (DATA / "customers.csv").read_bytes()).ok
    assert import_contracts(session, (DATA / "contracts.csv").read_bytes(), today=TODAY).ok
    sums = {b.customer_id: b.balance for b in open_balances(session)}
    assert sums[customer_id(session, "1001")] == crc("28250.00")
    assert sums[customer_id(session, "1002")] == Money(Decimal("50.85"), "USD")
    assert sums[customer_id(session, "1012")] == crc("67800.00"), "cuota 1 has Saldo 0, cuota 2 is open"
    chosen = select_contract(session, customer_id(session, "1012"), TODAY)
    assert chosen is not None and chosen.installment == 2, "the payment goes to the cuota still owing"


def test_a_receipt_in_colones_for_a_dollar_order_without_any_rate_is_kept_in_colones_not_lost(
    customers: Session,
) -> None:
    session = customers
    orders(session, "Cédula física,205670891,WOLK-1002,,USD,45.00,0,mensual,0.13,2026-03-15,2027-03-15,"
                    "2026-12-15,")
    with pytest.raises(AccountError, match="tipo de cambio"):
        pay(session, "1002", "25925.87", reference="NR1")
    payment = Payment(customer_id=customer_id(session, "1002"), amount=Decimal("25925.87"), currency="CRC",
                      reference="NR2", paid_on=TODAY, applied_by="accounting")
    session.add(payment)
    session.flush()
    result = post_payment(session, payment, policy=POLICY, now=NOW, keep_without_rate=True)
    assert result.rate_missing and result.credit_created == crc("25925.87")
    balance = customer_balance(session, customer_id(session, "1002"), today=TODAY, policy=POLICY)
    assert {(a.currency, a.balance) for a in balance.accounts} == {
        ("USD", Decimal("50.85")), ("CRC", Decimal("-25925.87"))}
