"""IVA rates as operators write them, and the labels the spreadsheet shows."""

from __future__ import annotations

from decimal import Decimal

import pytest

from currency.tax import describe_rate, parse_tax_rate


@pytest.mark.parametrize(
    ("text", "rate"),
    [("0.13", "0.13"), ("13", "0.13"), ("13%", "0.13"), ("4", "0.04"), ("exento", "0"), ("1", "0.01")],
)
def test_tax_rates_as_operators_write_them(text: str, rate: str) -> None:
    assert parse_tax_rate(text) == Decimal(rate)


def test_tax_labels() -> None:
    assert describe_rate(Decimal("0.13")) == "13%"
    assert describe_rate(Decimal("0.025")) == "2,5%"
    assert describe_rate(Decimal("0")) == "exento"
