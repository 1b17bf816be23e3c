"""Money as an exact Decimal with a currency code, rounded half-up and printed the es-CR way."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CRC = "CRC"
USD = "USD"
CURRENCIES = frozenset({CRC, USD})

THOUSANDS_SEPARATOR = "\u00a0"
"""es-CR groups thousands with a space; a no-break space keeps `₡1 234,00` on one line in chat."""

SYMBOLS = {CRC: "₡", USD: "US$"}

CENTS = Decimal("0.01")
UNITS = Decimal("1")
MAX_AMOUNT = Decimal("999999999999.99")
"""The largest amount anyone may type, import or read (a million million): far above any payment, and small
enough that its cents, even converted from dollars, fit the database's 64-bit integers."""


def too_large(value: Decimal) -> bool:
    """Whether `value` is beyond MAX_AMOUNT either way (a typo of extra digits, never a real payment)."""
    return abs(value) > MAX_AMOUNT


class MoneyError(ValueError):
    """Raised for a mixed-currency operation or an amount that is not an exact number."""


def to_decimal(value: Decimal | int | str) -> Decimal:
    """An exact Decimal from a Decimal, int or numeric string; floats are refused to keep money exact."""
    if isinstance(value, bool | float):
        raise MoneyError(f"money must not be a float or bool: {value!r}")
    if isinstance(value, Decimal):
        result = value
    else:
        try:
            result = Decimal(str(value).strip())
        except InvalidOperation as error:
            raise MoneyError(f"not a number: {value!r}") from error
    if not result.is_finite():
        raise MoneyError(f"not a finite amount: {value!r}")
    return result


def quantum(currency: str, *, whole_colones: bool = False) -> Decimal:
    """The smallest unit an amount in `currency` is rounded to."""
    return UNITS if whole_colones and currency == CRC else CENTS


def round_amount(amount: Decimal, currency: str, *, whole_colones: bool = False) -> Decimal:
    """Round half-up the way the support spreadsheet does (2 decimals, or whole colones)."""
    return amount.quantize(quantum(currency, whole_colones=whole_colones), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Money:
    """An amount in one currency; arithmetic keeps full precision until `rounded()` is asked for."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", to_decimal(self.amount))
        code = self.currency.strip().upper()
        if code not in CURRENCIES:
            raise MoneyError(f"unknown currency: {self.currency!r}")
        object.__setattr__(self, "currency", code)

    @classmethod
    def of(cls, amount: Decimal | int | str, currency: str) -> Money:
        return cls(to_decimal(amount), currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal("0"), currency)

    def rounded(self, *, whole_colones: bool = False) -> Money:
        return Money(round_amount(self.amount, self.currency, whole_colones=whole_colones), self.currency)

    def convert(self, rate: Decimal, to_currency: str) -> Money:
        """This amount times `rate`, expressed in `to_currency` (unrounded)."""
        return Money(self.amount * to_decimal(rate), to_currency)

    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise MoneyError(f"not money: {other!r}")
        if other.currency != self.currency:
            raise MoneyError(f"cannot mix {self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, factor: Decimal | int) -> Money:
        return Money(self.amount * to_decimal(factor), self.currency)

    __rmul__ = __mul__

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __abs__(self) -> Money:
        return Money(abs(self.amount), self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.amount >= other.amount

    def __str__(self) -> str:
        return format_money(self)


def format_amount(amount: Decimal, *, decimals: int = 2) -> str:
    """`1234567.891` -> `1 234 567,89` (no-break space groups, comma decimals, half-up)."""
    rounded = amount.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    sign = "-" if rounded < 0 else ""
    text = f"{abs(rounded):,.{decimals}f}"
    whole, _, fraction = text.partition(".")
    whole = whole.replace(",", THOUSANDS_SEPARATOR)
    return f"{sign}{whole},{fraction}" if decimals else f"{sign}{whole}"


def format_money(money: Money, *, whole_colones: bool = False) -> str:
    """es-CR text for a customer or agent: `₡1 234 567,89`, `US$45,00`, `-₡500,00`."""
    decimals = 0 if whole_colones and money.currency == CRC else 2
    text = format_amount(money.amount, decimals=decimals)
    if text.startswith("-"):
        return f"-{SYMBOLS[money.currency]}{text[1:]}"
    return f"{SYMBOLS[money.currency]}{text}"


def crc(amount: Decimal | int | str) -> Money:
    return Money.of(amount, CRC)


def usd(amount: Decimal | int | str) -> Money:
    return Money.of(amount, USD)
