"""The amount due from plain values, worked out the way support's "CÁLCULO $ A COLONES" sheet does it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from currency.due import AmountDue, amount_due
from currency.money import MoneyError, crc, usd
from currency.rates import RateQuote

NOV_27 = date(2026, 11, 27)
QUOTE = RateQuote(NOV_27, Decimal("503.10"), Decimal("509.85"), "manual")


def test_a_dollar_fee_is_converted_at_the_rate_given_and_iva_added() -> None:
    due = amount_due(usd("45.00"), NOV_27, tax_rate=Decimal("0.13"), rate=QUOTE.applied("sell", NOV_27))
    assert (due.subtotal_crc, due.iva, due.total_crc) == (Decimal("22943.25"), Decimal("2982.62"), Decimal("25925.87"))
    assert due.total == crc("25925.87")
    assert ("Tipo de cambio (venta)", "₡509,85 del 27/11/2026") in due.lines()


def test_whole_colones_round_every_line() -> None:
    due = amount_due(usd("45.00"), NOV_27, tax_rate=Decimal("0.13"), rate=QUOTE.applied("buy", NOV_27),
                     whole_colones=True)
    assert (due.subtotal_crc, due.iva, due.total_crc) == (Decimal("22640"), Decimal("2943"), Decimal("25583"))


def test_a_colon_fee_needs_no_rate_and_charges_go_after_iva() -> None:
    due = amount_due(crc("12000"), NOV_27, tax_rate=Decimal("0.04"), charges=crc("500"))
    assert due.rate is None
    assert (due.iva, due.charges_crc, due.total_crc) == (Decimal("480.00"), Decimal("500.00"), Decimal("12980.00"))
    assert ("Cargos e intereses", "₡500,00") in due.lines()


def test_a_dollar_fee_without_a_rate_is_refused() -> None:
    with pytest.raises(MoneyError, match="exchange rate"):
        amount_due(usd("45.00"), NOV_27, tax_rate=Decimal("0.13"))


def test_the_breakdown_survives_json() -> None:
    due = amount_due(usd("45.00"), NOV_27, tax_rate=Decimal("0.13"), rate=QUOTE.applied("sell", date(2026, 11, 28)),
                     charges=usd("2"))
    assert AmountDue.from_json(due.to_json()) == due
