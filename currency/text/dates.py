"""Dates as Costa Ricans write them: day first, two-digit years in this century, Spanish month names."""

from __future__ import annotations

import re
from datetime import date

from currency.text.words import fold

MONTHS: dict[str, int] = {
    "enero": 1, "ene": 1,
    "febrero": 2, "feb": 2,
    "marzo": 3, "mar": 3,
    "abril": 4, "abr": 4,
    "mayo": 5, "may": 5,
    "junio": 6, "jun": 6,
    "julio": 7, "jul": 7,
    "agosto": 8, "ago": 8,
    "setiembre": 9, "septiembre": 9, "set": 9, "sep": 9, "sept": 9,
    "octubre": 10, "oct": 10,
    "noviembre": 11, "nov": 11,
    "diciembre": 12, "dic": 12,
}
"""Spanish month names and their abbreviations, folded (Costa Rica writes `setiembre`)."""

ENGLISH_MONTHS: dict[str, int] = {"jan": 1, "apr": 4, "aug": 8, "dec": 12}
"""The English abbreviations that differ from the Spanish ones, as bank apps in English print them."""

WEEKDAYS: dict[str, int] = {
    "lunes": 0, "lun": 0,
    "martes": 1, "mar": 1,
    "miercoles": 2, "mie": 2,
    "jueves": 3, "jue": 3,
    "viernes": 4, "vie": 4,
    "sabado": 5, "sab": 5,
    "domingo": 6, "dom": 6,
}
"""Spanish weekday names and abbreviations, folded; a date may start with one (`viernes 27/11/2026`)."""

MAX_DATE_CHARS = 80
"""The longest text read as one date; anything longer is not a date."""
MAX_SEARCH_CHARS = 10_000
"""The most of a longer text searched for a date."""

_WEEKDAY = r"(?:(?:" + "|".join(sorted(WEEKDAYS, key=len, reverse=True)) + r")\.?,?\s+)?"
_YEAR = r"(\d{4}|\d{2})"
_NUMERIC = r"(\d{1,2})\s?[/.-]\s?(\d{1,2})\s?[/.-]\s?" + _YEAR
_ISO = r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})"
_NAMED = r"(\d{1,2})\s{0,3}(?:de\s{1,3})?[/.-]?\s{0,3}([a-z]{3,10})\.?\s{0,3}(?:del?\s{1,3})?[/.-]?\s{0,3}" + _YEAR
_TIME = r"(?:,?\s+(?:a\s+las\s+)?\d{1,2}:\d{2}(?::\d{2})?(?:\s?[ap]\.?\s?m\.?)?)?"

_WHOLE_NUMERIC = re.compile(rf"{_WEEKDAY}{_NUMERIC}{_TIME}")
_WHOLE_ISO = re.compile(rf"{_ISO}(?:[t ]\d{{1,2}}:\d{{2}}(?::\d{{2}})?)?")
_WHOLE_NAMED = re.compile(rf"{_WEEKDAY}{_NAMED}{_TIME}")
_FIND_NUMERIC = re.compile(rf"(?<!\d){_NUMERIC}(?!\d)")
_FIND_ISO = re.compile(rf"(?<!\d){_ISO}(?!\d)")
_FIND_NAMED = re.compile(rf"(?<!\d){_NAMED}(?!\d)")


def full_year(year: int | str) -> int:
    """`26` -> `2026`: a two-digit year is always this century's, never year 26; a year written with four
    digits (`0001`) is the year it says."""
    if isinstance(year, str):
        return int(year) + 2000 if len(year) <= 2 else int(year)
    return year + 2000 if year < 100 else year


def month_number(word: str) -> int | None:
    """`noviembre`, `Nov.`, `NOV`, `setiembre` -> the month's number; None for any other word."""
    folded = fold(word).rstrip(".")
    return MONTHS.get(folded) or ENGLISH_MONTHS.get(folded)


def make_date(year: int | str, month: int, day: int) -> date | None:
    """The calendar date, or None when there is no such day (31/02)."""
    try:
        return date(full_year(year), month, day)
    except ValueError:
        return None


def parse_date(text: str, *, month_first: bool = False) -> date | None:
    """The date a whole value says: `27/11/26`, `27-11-2026`, `2026-11-27`, `27 de noviembre de 2026`,
    `vie 27 nov. 2026`, `27/NOV/2026` (a time after it is ignored); None when it says anything else.
    `month_first` reads `11/27/2026` as the United States write it (only for a column known to be so)."""
    value = fold(text)
    if not value or len(value) > MAX_DATE_CHARS:
        return None
    if match := _WHOLE_ISO.fullmatch(value):
        return make_date(match[1], int(match[2]), int(match[3]))
    if match := _WHOLE_NUMERIC.fullmatch(value):
        first, second = int(match[1]), int(match[2])
        return make_date(match[3], first, second) if month_first else make_date(match[3], second, first)
    if match := _WHOLE_NAMED.fullmatch(value):
        month = month_number(match[2])
        return make_date(match[3], month, int(match[1])) if month else None
    return None


def numeric_parts(text: str) -> tuple[int, int] | None:
    """The first two numbers of a date written all in numbers with the year last (`11/05/2026` -> (11, 5)),
    the only kind whose day and month may be swapped; None for any other way of writing a date."""
    match = _WHOLE_NUMERIC.fullmatch(fold(text)) if len(text) <= MAX_DATE_CHARS else None
    return (int(match[1]), int(match[2])) if match else None


def find_date(text: str) -> date | None:
    """The first date written anywhere in a longer text (a notification, a receipt's lines), day first."""
    value = fold(text[:MAX_SEARCH_CHARS])
    if match := _FIND_NUMERIC.search(value):
        return make_date(match[3], int(match[2]), int(match[1]))
    if match := _FIND_ISO.search(value):
        return make_date(match[1], int(match[2]), int(match[3]))
    for match in _FIND_NAMED.finditer(value):
        month = month_number(match[2])
        if month:
            return make_date(match[3], month, int(match[1]))
    return None


EXCEL_EPOCH = date(1899, 12, 30)
EXCEL_SERIALS = range(18_264, 73_051)
"""Serial day numbers Excel may show for a date cell, 1950-01-01 to 2099-12-31; anything else is not a date."""


def excel_date(serial: int | float | str) -> date | None:
    """The day an Excel serial number (`46353`, `46353.5` with its time) stands for; None outside 1950-2099."""
    try:
        day = int(float(serial))
    except (TypeError, ValueError, OverflowError):
        return None
    if day not in EXCEL_SERIALS:
        return None
    return date.fromordinal(EXCEL_EPOCH.toordinal() + day)
