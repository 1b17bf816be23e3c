"""Amounts as people type them: either decimal mark, grouped thousands, symbols, and the sign kept."""

from __future__ import annotations

from decimal import Decimal

import pytest

from currency.text import TypedAmount, currency_code, parse_amount


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("25000", "25000"),
        ("25.000", "25000"),
        ("25,000", "25000"),
        ("25.000,50", "25000.50"),
        ("25,000.50", "25000.50"),
        ("25000,5", "25000.5"),
        ("₡25 000", "25000"),
        ("₡25\u00a0000,00", "25000.00"),
        ("₡ 1 234 567,89", "1234567.89"),
        ("1.234.567", "1234567"),
        ("12.345.678,9", "12345678.9"),
        ("2,50", "2.50"),
    ],
)
def test_amounts_in_every_usual_form(text: str, value: str) -> None:
    typed = parse_amount(text)
    assert typed is not None and typed.value == Decimal(value) and not typed.negative


@pytest.mark.parametrize(
    ("text", "currency"),
    [("₡25000", "CRC"), ("25000 colones", "CRC"), ("CRC 25.000", "CRC"), ("¢500", "CRC"),
     ("US$45", "USD"), ("$45,00", "USD"), ("45 dólares", "USD"), ("USD 45", "USD"), ("25000", None)],
)
def test_the_currency_written_with_an_amount_is_read(text: str, currency: str | None) -> None:
    typed = parse_amount(text)
    assert typed is not None and typed.currency == currency


@pytest.mark.parametrize(
    ("text", "currency"),
    [("-500", None), ("- 500", None), ("−500", None), ("(500)", None), ("₡-500", "CRC"), ("-₡500", "CRC"),
     ("-500 colones", "CRC")],
)
def test_a_negative_amount_is_detected_for_the_caller_to_refuse(text: str, currency: str | None) -> None:
    typed = parse_amount(text)
    assert typed == TypedAmount(Decimal("-500"), currency)
    assert typed.negative


@pytest.mark.parametrize(
    "text",
    ["", "abc", "25 00", "1.5000", "25000.000", "1,234.567,00", "25,000,50", "12a34", "₡25 US$", "US$25 colones",
     "1" * 21, "9" * 100],
)
def test_what_could_mean_two_amounts_or_none_is_not_an_amount(text: str) -> None:
    assert parse_amount(text) is None


def test_zero_is_an_amount_the_caller_may_refuse() -> None:
    assert parse_amount("0") == TypedAmount(Decimal("0"))


def test_a_currency_cell_names_colones_or_dollars_however_it_is_written() -> None:
    assert {currency_code(text) for text in ("CRC", "₡", "Colones", "colón", "col.", "¢")} == {"CRC"}
    assert {currency_code(text) for text in ("USD", "US$", "U$S", "US Dólares", "dólares", "$", "U.S.D.")} == {"USD"}
    assert [currency_code(text) for text in ("euro", "", "CRC USD")] == [None, None, None]
