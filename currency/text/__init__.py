"""One home for reading what people type or send: words without accents, dates, amounts, phones and files.

The modules inside import each other directly; this package only re-exports them for callers outside, each
on first use, so a caller that needs dates never loads the phone-number library.
"""

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from currency.text.amounts import TypedAmount, currency_code, parse_amount
    from currency.text.dates import MONTHS, WEEKDAYS, find_date, full_year, make_date, month_number, parse_date
    from currency.text.files import BadRow, UndecodableFile, csv_rows, decode_bytes, sniff_delimiter
    from currency.text.phones import (
        DEFAULT_REGION,
        international_phone,
        national_phone,
        normalize_phone,
        parse_phone,
        same_phone,
    )
    from currency.text.words import fold, normalize_header, printable, strip_accents

__all__ = [
    "DEFAULT_REGION",
    "MONTHS",
    "WEEKDAYS",
    "BadRow",
    "TypedAmount",
    "UndecodableFile",
    "csv_rows",
    "currency_code",
    "decode_bytes",
    "find_date",
    "fold",
    "full_year",
    "international_phone",
    "make_date",
    "month_number",
    "national_phone",
    "normalize_header",
    "normalize_phone",
    "parse_amount",
    "parse_date",
    "parse_phone",
    "printable",
    "same_phone",
    "sniff_delimiter",
    "strip_accents",
]


_HOMES = {
    "TypedAmount": "amounts", "currency_code": "amounts", "parse_amount": "amounts",
    "MONTHS": "dates", "WEEKDAYS": "dates", "find_date": "dates", "full_year": "dates", "make_date": "dates",
    "month_number": "dates", "parse_date": "dates",
    "UndecodableFile": "files", "BadRow": "files", "csv_rows": "files", "decode_bytes": "files",
    "sniff_delimiter": "files",
    "DEFAULT_REGION": "phones", "international_phone": "phones", "national_phone": "phones",
    "normalize_phone": "phones", "parse_phone": "phones", "same_phone": "phones",
    "fold": "words", "normalize_header": "words", "printable": "words", "strip_accents": "words",
}


def __getattr__(name: str) -> object:
    if name in _HOMES:
        return getattr(import_module(f"currency.text.{_HOMES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
