"""A real SQLite database with customers and payment orders loaded the way operators load them (CSV)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from bot.account.entries import PaymentMethod
from bot.account.operations import AccountPolicy, AllocationResult, PaymentRequest, apply_payment
from bot.contracts.importer import ImportReport, import_contracts, import_customers
from bot.db.models import Contract, Customer, Reminder
from currency.money import Money

CR = ZoneInfo("America/Costa_Rica")
TODAY = date(2026, 11, 27)
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=CR)
POLICY = AccountPolicy()

CUSTOMERS = """ID cliente,Tipo de documento,Número de documento,Nombres,Apellidos,Celular_1,Correo
1001,Cédula física,112340567,María José,Vargas Solano,88112233,mj@example.cr
1002,Cédula física,205670891,José Pablo,Rodríguez Mora,87114455,jp@example.cr
1012,Cédula jurídica,3101222333,Panadería La Espiga,S.R.L.,72889900,pan@example.cr
"""
ORDERS_HEADER = (
    "Tipo de documento,Número de documento,Código de pago,Cuota,Moneda,Monto,Cargos e intereses,Periodo,IVA,"
    "Fecha inicio,Fecha fin,Fecha de vencimiento,Saldo"
)


@pytest.fixture
def customers(session: Session) -> Session:
    assert import_customers(session, CUSTOMERS.encode()).ok
    return session


def orders(session: Session, *rows: str, today: date = TODAY) -> ImportReport:
    report = import_contracts(session, "\n".join([ORDERS_HEADER, *rows]).encode(), today=today)
    assert report.ok, report.to_text()
    return report


def customer_id(session: Session, client_id: str) -> int:
    found = session.exec(select(Customer).where(Customer.client_id == client_id)).one()
    assert found.id is not None
    return found.id


def contract(session: Session, code: str, installment: int = 0) -> Contract:
    return session.exec(
        select(Contract).where(Contract.payment_code == code, Contract.installment == installment)
    ).one()


def pay(session: Session, client_id: str, amount: str, *, currency: str = "CRC", on: date = TODAY,
        reference: str | None = None, bank: str = "", contract_id: int | None = None,
        method: PaymentMethod = PaymentMethod.SINPE) -> AllocationResult:
    return apply_payment(
        session,
        PaymentRequest(customer_id=customer_id(session, client_id), amount=Money(Decimal(amount), currency),
                       paid_on=on, method=method, actor="test:accounting", contract_id=contract_id,
                       bank=bank, reference=reference),
        policy=POLICY, now=NOW,
    )


def pending_reminder(session: Session, client_id: str, contract_id: int | None) -> Reminder:
    """A short-payment reminder as the intake core schedules it today."""
    reminder = Reminder(customer_id=customer_id(session, client_id), contract_id=contract_id,
                        kind="reminder_short_payment", channel="sandbox", recipient="+50688112233",
                        payload={"difference": "19550.00"}, due_at=NOW + timedelta(hours=24))
    session.add(reminder)
    session.flush()
    return reminder
