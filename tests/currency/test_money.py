"""Money is exact, rounds half-up like the support spreadsheet and prints the es-CR way."""

from __future__ import annotations

from decimal import Decimal

import pytest

from currency.money import CRC, USD, Money, MoneyError, crc, format_money, round_amount, usd

NBSP = "\u00a0"


def test_colones_print_with_space_groups_and_comma_decimals() -> None:
    assert format_money(crc("1234567.891")) == f"₡1{NBSP}234{NBSP}567,89"
    assert format_money(crc("0")) == "₡0,00"
    assert format_money(crc("-500")) == "-₡500,00"


def test_dollars_print_as_us_dollar_sign() -> None:
    assert format_money(usd("45")) == "US$45,00"
    assert format_money(usd("1250.5")) == f"US$1{NBSP}250,50"


def test_whole_colones_setting_rounds_half_up_to_units() -> None:
    assert round_amount(Decimal("25925.50"), CRC, whole_colones=True) == Decimal("25926")
    assert format_money(crc("25925.49"), whole_colones=True) == f"₡25{NBSP}925"
    assert round_amount(Decimal("45.005"), USD, whole_colones=True) == Decimal("45.01")


def test_half_cent_rounds_up_not_to_even() -> None:
    assert crc("2982.625").rounded().amount == Decimal("2982.63")
    assert crc("0.125").rounded().amount == Decimal("0.13")


def test_arithmetic_stays_exact_and_refuses_mixing_currencies() -> None:
    assert crc("0.1") + crc("0.2") == crc("0.3")
    assert (usd("45") * Decimal("509.85")).amount == Decimal("22943.25")
    assert usd("45").convert(Decimal("509.85"), CRC) == crc("22943.25")
    assert crc("10") - crc("15") == crc("-5")
    assert crc("5") < crc("6")
    with pytest.raises(MoneyError):
        _ = crc("1") + usd("1")


def test_floats_are_refused() -> None:
    with pytest.raises(MoneyError):
        Money(0.1, CRC)  # type: ignore[arg-type]
    with pytest.raises(MoneyError):
        crc("1,50")
    with pytest.raises(MoneyError):
        Money(Decimal("1"), "EUR")
