"""One home for reading what people type or send: words without accents, dates, amounts, phones and files.

The modules inside import each other directly; this package only re-exports them for callers outside.
"""

from currency.text.amounts import TypedAmount, parse_amount
from currency.text.dates import MONTHS, WEEKDAYS, find_date, full_year, make_date, month_number, parse_date
from currency.text.files import UndecodableFile, decode_bytes, sniff_delimiter
from currency.text.phones import (
    DEFAULT_REGION,
    international_phone,
    national_phone,
    normalize_phone,
    parse_phone,
    same_phone,
)
from currency.text.words import fold, normalize_header, strip_accents

__all__ = [
    "DEFAULT_REGION",
    "MONTHS",
    "WEEKDAYS",
    "TypedAmount",
    "UndecodableFile",
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
    "same_phone",
    "sniff_delimiter",
    "strip_accents",
]
