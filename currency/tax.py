"""IVA: 13% by default, with a rate per contract because exempt and reduced rates exist."""

from __future__ import annotations

from decimal import Decimal

from currency.money import CRC, round_amount, to_decimal

STANDARD_IVA = Decimal("0.13")
REDUCED_IVA_RATES = (Decimal("0"), Decimal("0.01"), Decimal("0.02"), Decimal("0.04"), Decimal("0.13"))
"""The rates Costa Rica's IVA law knows; others are accepted but look like a typo to an agent."""


class TaxError(ValueError):
    """A tax rate that cannot be right."""


def parse_tax_rate(text: str) -> Decimal:
    """`0.13`, `13`, `13%` and `exento` all read as a fraction; 1 and above are percentages."""
    value = text.strip().lower().replace(" ", "")
    if value in {"exento", "exenta", "exempt", "e"}:
        return Decimal("0")
    if "," in value:
        raise TaxError("use punto como separador decimal")
    percent = value.endswith("%")
    rate = to_decimal(value.rstrip("%"))
    if percent or rate >= 1:
        rate = rate / 100
    if rate < 0 or rate >= 1:
        raise TaxError(f"tasa de IVA fuera de rango: {text!r}")
    return rate.normalize() if rate else Decimal("0")


def iva(subtotal_crc: Decimal, rate: Decimal, *, whole_colones: bool = False) -> Decimal:
    """IVA on a colón subtotal, rounded like every other amount shown to the customer."""
    return round_amount(subtotal_crc * rate, CRC, whole_colones=whole_colones)


def describe_rate(rate: Decimal) -> str:
    """`13%`, `4%`, `exento`: how the spreadsheet labels the tax line."""
    if rate == 0:
        return "exento"
    percent = (rate * 100).normalize()
    return f"{percent:f}".replace(".", ",") + "%"
