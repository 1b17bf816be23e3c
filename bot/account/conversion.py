"""Money between an account's currency and the payment's or the customer's: one rate, rounded once."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

from currency.money import CENTS, CRC, USD, Money, round_amount
from currency.rates import AppliedRate


class MissingRate(LookupError):
    """An amount needs converting and no USD/CRC rate was given."""


def convert(amount: Money, to_currency: str, rate: AppliedRate | None) -> Money:
    """`amount` in `to_currency` at `rate` (colones per dollar), rounded half-up to the cent."""
    if amount.currency == to_currency:
        return amount.rounded()
    if rate is None:
        raise MissingRate(f"{amount.currency} -> {to_currency} needs an exchange rate")
    if amount.currency == CRC and to_currency == USD:
        return Money(round_amount(amount.amount / rate.value, USD), USD)
    if amount.currency == USD and to_currency == CRC:
        return Money(round_amount(amount.amount * rate.value, CRC), CRC)
    raise MissingRate(f"no conversion from {amount.currency} to {to_currency}")


def tolerance_in(currency: str, tolerance_crc: Decimal, rate: AppliedRate | None) -> Decimal:
    """The colones treated as "exact" expressed in `currency`, never more than it is (rounded down)."""
    if currency == CRC:
        return tolerance_crc
    if rate is None:
        return Decimal("0")
    return (tolerance_crc / rate.value).quantize(CENTS, rounding=ROUND_DOWN)
