"""Stories for every amount, date, reference, phone and client-ID spelling the reader must understand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.ocr.parsing import find_client_id, parse_amount, parse_date, parse_phone, parse_reference
from bot.ocr.reader import DEFAULT_CLIENT_ID_PATTERN


@pytest.mark.parametrize(
    ("text", "value", "currency"),
    [
        ("₡1.234.567,89", "1234567.89", "CRC"),
        ("₡ 1,234,567.89", "1234567.89", "CRC"),
        ("CRC 25 000,00", "25000.00", "CRC"),
        ("6.000,00 colones", "6000.00", "CRC"),
        ("10,000.00 CRC", "10000.00", "CRC"),
        ("$ 45.00", "45.00", "USD"),
        ("US$ 45,00", "45.00", "USD"),
        ("USD 45", "45.00", "USD"),
        ("¢6.000", "6000.00", "CRC"),
    ],
)
def test_amount_spellings(text: str, value: str, currency: str) -> None:
    money = parse_amount(text)
    assert money is not None
    assert money.value == Decimal(value)
    assert money.currency == currency
    assert not money.doubtful


@pytest.mark.parametrize("misread", ["(", "((", "¢", "C", "€", "( "])
def test_colon_sign_misreads_never_add_a_digit(misread: str) -> None:
    money = parse_amount(f"{misread}166.498,50")
    assert money is not None
    assert money.value == Decimal("166498.50")
    assert money.currency == "CRC"


def test_colon_sign_read_as_paren_one_is_dropped_and_marked_doubtful() -> None:
    money = parse_amount("(1166.498,50")
    assert money is not None
    assert money.value == Decimal("166498.50")
    assert money.doubtful


def test_colon_sign_read_as_paren_one_without_groups_keeps_the_alternative() -> None:
    money = parse_amount("(1166498,50")
    assert money is not None
    assert money.doubtful
    assert money.alternative == Decimal("166498.50")


@pytest.mark.parametrize("text", ["1.23.456,00", "12,34.567", "1,234.567,00", "abc", "45.00.00"])
def test_inconsistent_groups_are_refused(text: str) -> None:
    assert parse_amount(text) is None


@pytest.mark.parametrize(
    "text",
    ["27/11/2026 14:03", "27-11-2026 2:03 p. m.", "27 nov. 2026", "jueves, 27 de noviembre de 2026",
     "27/NOV/2026", "27/11/26", "27 de setiembre de 2026"],
)
def test_spanish_dates_day_first(text: str) -> None:
    expected = date(2026, 9, 27) if "setiembre" in text else date(2026, 11, 27)
    assert parse_date(text) == expected


def test_impossible_date_is_none() -> None:
    assert parse_date("31/02/2026") is None


def test_reference_letters_fixed_only_when_numeric() -> None:
    assert parse_reference("2026O3131518301O967758882") == "2026031315183010967758882"
    assert parse_reference("FT26031ABCD") == "FT26031ABCD"


@pytest.mark.parametrize("text", ["8888-7777", "+506 8888 7777", "88887777", "(506) 8888-7777"])
def test_phones_normalized_to_eight_digits(text: str) -> None:
    assert parse_phone(text) == "88887777"


@pytest.mark.parametrize(
    ("text", "client"),
    [("ID 1234", "1234"), ("ID WOLK 1234", "1234"), ("id wolk #1234", "1234"), ("ID1234", "1234"),
     ("ID: 1234", "1234"), ("Pago 1D 1234", "1234"), ("Pago mensual", None), ("IDEAS 1234", None)],
)
def test_client_id_default_pattern(text: str, client: str | None) -> None:
    assert find_client_id(text, DEFAULT_CLIENT_ID_PATTERN) == client
