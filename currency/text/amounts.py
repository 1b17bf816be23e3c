"""Amounts as people type them in chat or a spreadsheet: `25000`, `25.000,50`, `25,000.50`, `₡25 000`, `-500`.

The sign is read, not dropped: a caller that takes only positive amounts refuses a negative one itself.
Nothing is guessed: a text whose separators could mean two different amounts is not an amount.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from currency.money import too_large
from currency.text.words import fold

MAX_AMOUNT_CHARS = 80
"""The longest text read as one amount."""
MAX_DIGITS = 20
"""The most digits an amount may have."""

_COLONES = r"₡|¢|crc|colones|colon|col\.?"
_DOLLARS = r"us\s?\$|u\$s|us\s?dolares|usd|u\.s\.|dolares|dolar|\$"
_MARK = re.compile(rf"^(?:(?P<before>{_DOLLARS}|{_COLONES})\s?)?(?P<body>.*?)(?:\s?(?P<after>{_DOLLARS}|{_COLONES}))?$")
_MINUS = "-\u2212\u2013"
_THOUSANDS_ONLY = " '\u00a0\u202f\u2009"
_NUMBER = re.compile(r"\d+(?:[.,' \u00a0\u202f\u2009]\d+)*")


@dataclass(frozen=True)
class TypedAmount:
    """What a typed amount says: its signed value and the currency its symbol or word names, if any."""

    value: Decimal
    currency: str | None = None

    @property
    def negative(self) -> bool:
        return self.value < 0


def _currency(mark: str | None) -> str | None:
    if not mark:
        return None
    return "USD" if re.fullmatch(_DOLLARS, mark) else "CRC"


def currency_code(text: str) -> str | None:
    """The currency a spreadsheet's currency cell names (`CRC`, `₡`, `colones`, `USD`, `$`, `dólares`...),
    None when it names neither."""
    named = "".join(fold(text).split()).replace(".", "")
    return _currency(named) if re.fullmatch(f"{_DOLLARS}|{_COLONES}", named) else None


def parse_number(text: str) -> Decimal | None:
    """Digits with separators -> Decimal; the rightmost `.` or `,` followed by 1 or 2 digits is the decimal mark,
    the other marks group thousands (one kind, or spaces and apostrophes); None when the groups say otherwise."""
    if not _NUMBER.fullmatch(text):
        return None
    parts = re.split(r"([.,' \u00a0\u202f\u2009])", text)
    groups, separators = parts[0::2], parts[1::2]
    if sum(len(group) for group in groups) > MAX_DIGITS:
        return None
    cents = ""
    if separators and separators[-1] in ".," and len(groups[-1]) <= 2:
        decimal_mark = separators[-1]
        cents = groups[-1]
        groups, separators = groups[:-1], separators[:-1]
        if decimal_mark in separators:
            return None
    if separators:
        thousands = set(separators)
        if len(thousands) > 1 and not thousands <= set(_THOUSANDS_ONLY):
            return None
        if len(groups[0]) > 3 or any(len(group) != 3 for group in groups[1:]):
            return None
    return Decimal("".join(groups) + (f".{cents}" if cents else ""))


def parse_amount(text: str) -> TypedAmount | None:
    """The amount a whole value says, with its sign (`-500`, `(500)`, `₡-500`) and currency if written;
    None when the text is not one amount, or one past `currency.money.MAX_AMOUNT`."""
    value = " ".join(text.split()).lower().replace("dólar", "dolar").replace("colón", "colon")
    if not value or len(value) > MAX_AMOUNT_CHARS:
        return None
    negative = False
    if value.startswith("(") and value.endswith(")"):
        negative, value = True, value[1:-1].strip()
    if value[:1] in _MINUS:
        negative, value = not negative, value[1:].strip()
    match = _MARK.fullmatch(value)
    if match is None:
        return None
    before, body, after = match["before"], match["body"].strip(), match["after"]
    if before and after and _currency(before) != _currency(after):
        return None
    if body[:1] in _MINUS and not negative:
        negative, body = True, body[1:].strip()
    number = parse_number(body)
    if number is None or too_large(number):
        return None
    return TypedAmount(-number if negative else number, _currency(before or after))


_LEDGER_MARK = re.compile(r"^(?P<body>.*?)\s*(?P<mark>cr|db|dr|c|d)\.?$")
_EMPTY_CELLS = frozenset({"", "-", "--", "—", "–"})


def parse_ledger_amount(text: str) -> TypedAmount | None:
    """An amount as bank statements and accounting exports write it: what `parse_amount` reads, and also a
    trailing minus (`1.234,50-`) or a credit/debit mark (`1234,5 CR`, `500,00 DB`); a dash alone is zero."""
    value = " ".join(text.split()).lower()
    if value in _EMPTY_CELLS:
        return TypedAmount(Decimal("0"))
    if value.endswith(("-", "\u2212")) and not value.startswith(("-", "\u2212", "(")):
        typed = parse_amount(value[:-1])
        return TypedAmount(-abs(typed.value), typed.currency) if typed is not None else None
    if (match := _LEDGER_MARK.fullmatch(value)) and match["body"] and match["body"][-1:].isdigit():
        typed = parse_amount(match["body"])
        if typed is None:
            return None
        debit = match["mark"] in ("db", "dr", "d")
        return TypedAmount(-abs(typed.value) if debit else abs(typed.value), typed.currency)
    return parse_amount(value)
