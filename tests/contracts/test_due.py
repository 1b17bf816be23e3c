"""A stored contract's amount due: its row, the stored rate of the day and the settings, like the "CÁLCULO" sheet."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import Session

from bot.config import Settings
from bot.contracts.due import contract_amount_due
from bot.db.models import Contract, Customer
from bot.db.rates import set_manual_rate
from currency.due import AmountDue
from currency.rates import RateNotFound


def _contract(session: Session, **values: object) -> Contract:
    customer = Customer(client_id="1002", document_type="Cédula física", document_number="205670891")
    session.add(customer)
    session.flush()
    contract = Contract(customer_id=customer.id or 0, payment_code="WOLK-1002", **values)  # type: ignore[arg-type]
    session.add(contract)
    session.flush()
    return contract


def test_usd_contract_converted_at_receipt_date_rate_with_iva(session: Session, settings: Settings) -> None:
    contract = _contract(session, currency="USD", fee=Decimal("45.00"), tax_rate=Decimal("0.13"))
    set_manual_rate(session, date(2026, 11, 20), Decimal("500.00"), Decimal("506.00"))
    set_manual_rate(session, date(2026, 11, 27), Decimal("503.10"), Decimal("509.85"))
    due = contract_amount_due(contract, date(2026, 11, 27), session, settings)
    assert due.rate is not None
    assert (due.rate.value, due.rate.rate_date, due.rate.side) == (
        Decimal("509.85"),
        date(2026, 11, 27),
        "sell",
    )
    assert due.subtotal_crc == Decimal("22943.25")
    assert due.iva == Decimal("2982.62")
    assert due.total_crc == Decimal("25925.87")
    older = contract_amount_due(contract, date(2026, 11, 21), session, settings)
    assert older.rate is not None and older.rate.fallback and older.total_crc == Decimal("25730.10")


def test_buy_side_and_whole_colones_are_settings(session: Session, settings: Settings) -> None:
    contract = _contract(session, currency="USD", fee=Decimal("45.00"), tax_rate=Decimal("0.13"))
    set_manual_rate(session, date(2026, 11, 27), Decimal("503.10"), Decimal("509.85"))
    tuned = settings.model_copy(update={"rate_side": "buy", "whole_colones": True})
    due = contract_amount_due(contract, date(2026, 11, 27), session, tuned)
    assert due.rate is not None and due.rate.side == "buy"
    assert (due.subtotal_crc, due.iva, due.total_crc) == (Decimal("22640"), Decimal("2943"), Decimal("25583"))


def test_colones_contract_needs_no_rate_and_exempt_has_no_iva(session: Session, settings: Settings) -> None:
    contract = _contract(session, currency="CRC", fee=Decimal("12000"), tax_rate=Decimal("0"))
    due = contract_amount_due(contract, date(2026, 11, 27), session, settings)
    assert due.rate is None and due.iva == 0 and due.total_crc == Decimal("12000.00")
    assert ("IVA exento", "₡0,00") in due.lines()


def test_reduced_rate_and_charges_without_iva(session: Session, settings: Settings) -> None:
    contract = _contract(
        session, currency="CRC", fee=Decimal("12000"), tax_rate=Decimal("0.04"), charges=Decimal("500")
    )
    due = contract_amount_due(contract, date(2026, 11, 27), session, settings)
    assert (due.iva, due.charges_crc, due.total_crc) == (
        Decimal("480.00"),
        Decimal("500.00"),
        Decimal("12980.00"),
    )


def test_usd_contract_without_any_rate_says_so(session: Session, settings: Settings) -> None:
    contract = _contract(session, currency="USD", fee=Decimal("45.00"))
    with pytest.raises(RateNotFound):
        contract_amount_due(contract, date(2026, 11, 27), session, settings)


def test_breakdown_survives_storage_on_an_intake(session: Session, settings: Settings) -> None:
    contract = _contract(session, currency="USD", fee=Decimal("45.00"), tax_rate=Decimal("0.13"))
    set_manual_rate(session, date(2026, 11, 27), Decimal("503.10"), Decimal("509.85"))
    due = contract_amount_due(contract, date(2026, 11, 27), session, settings)
    stored = due.to_json()
    assert stored["rate"]["value"] == "509.85" and stored["total_crc"] == "25925.87"
    assert AmountDue.from_json(stored) == due
