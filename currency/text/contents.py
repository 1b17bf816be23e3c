"""What a column holds when its title says nothing (a title nobody listed, or no row of titles at all): dates,
amounts, codes, cédulas, phones, e-mails, read from its cells; a column is taken for a role only when it is the
one column whose contents fit, and the report says so."""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from currency.text.amounts import currency_code, parse_ledger_amount
from currency.text.dates import parse_date
from currency.text.tables import (
    HEADER_SCAN_ROWS,
    HeaderMatch,
    Sheet,
    UnreadableTable,
    Vocabulary,
    cell_text,
    decimal_of,
    find_header,
    match_columns,
    titles_below,
    two_row_labels,
)
from currency.text.words import fold

SAMPLE_ROWS = 400
"""How many rows of a column are looked at to tell what it holds."""
SHARE = 0.9
"""The least share of a column's filled cells that must be of a kind for the column to hold that kind."""
STRICT_SHARE = 0.3
"""The least share of an amount column's cells written so that they can be nothing but amounts."""
SERIAL_2000, SERIAL_2099 = 36_526, 73_050
"""Excel's serial days for 2000-01-01 and 2099-12-31."""
BALANCE_SHARE = 0.8
"""The least share of rows whose balance moves by the row's amount for a column to be the running balance."""

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
"""One e-mail address, as a cell of a spreadsheet may hold it."""
PHONE_PUNCTUATION = re.compile(r"[\s\-.()]")
"""What people write between a phone number's digits."""
_CR_PHONE = re.compile(r"(?:\+?506|00506)?([245678]\d{7})")
_DOCUMENT = re.compile(r"\d{9,12}")
_GROUPED_DOCUMENT = re.compile(r"\d{1,2}[- ]\d{3,4}[- ]\d{3,6}")
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-_/.#]{3,39}")
_DIGITS_ONLY = re.compile(r"\d+")
_DOCUMENT_TYPE_WORDS = ("cedula", "fisica", "juridica", "dimex", "pasaporte", "nite", "didi", "residencia",
                        "extranjero", "otros", "otro")
_DOCUMENT_TYPE_CODES = frozenset({"cf", "cj", "ce", "cr", "pas", "nit", "dni", "ruc", "ced"})


def serial_dates(cells: Sequence[Any]) -> bool:
    """Whether number cells are Excel serial days of one statement (2000-2099, at least three different days
    within a year): how a workbook shows dates whose cells lost their date format."""
    numbers = [decimal_of(cell) for cell in cells]
    days = {int(n) for n in numbers if n is not None and n == int(n) and SERIAL_2000 <= n <= SERIAL_2099}
    return (len(days) >= 3 and max(days) - min(days) <= 400
            and sum(1 for n in numbers if n is not None and int(n) in days) >= SHARE * len(cells))


def is_date(value: Any) -> bool:
    if isinstance(value, datetime | date):
        return True
    if value.__class__ is not str:
        return False
    text = cell_text(value)
    if not text or not any(ch.isdigit() for ch in text):
        return False
    return (parse_date(text) is not None or parse_date(text, month_first=True) is not None
            or bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", text)))


def _long_digits(text: str) -> bool:
    return bool(_DIGITS_ONLY.fullmatch(text)) and (len(text) >= 8 or text.startswith("0"))


def is_amount(value: Any) -> bool:
    if isinstance(value, (bool, datetime | date)):
        return False
    if decimal_of(value) is not None:
        return True
    text = cell_text(value)
    if not text or _long_digits(text) or is_date(text) or PHONE_PUNCTUATION.sub("", text).startswith("+"):
        return False
    return parse_ledger_amount(text) is not None


def is_written_amount(value: Any) -> bool:
    """An amount that could be nothing else: a number cell, or written with decimals, groups or a symbol."""
    if not is_amount(value):
        return False
    if decimal_of(value) is not None:
        return True
    return not _DIGITS_ONLY.fullmatch(cell_text(value).lstrip("-"))


def is_email(value: Any) -> bool:
    text = cell_text(value)
    pieces = [piece.removeprefix("mailto:") for piece in re.split(r"[,;\s]+", text) if piece]
    return "@" in text and all(EMAIL.fullmatch(piece) for piece in pieces)


def is_phone(value: Any) -> bool:
    text = cell_text(value)
    pieces = [piece for piece in re.split(r"\s*(?:/|,|;|\s[yo]\s)\s*", text) if piece]
    return bool(pieces) and all(_CR_PHONE.fullmatch(PHONE_PUNCTUATION.sub("", piece)) for piece in pieces)


def is_document(value: Any) -> bool:
    number = decimal_of(value)
    text = str(int(number)) if number is not None and number == int(number) else cell_text(value)
    return bool(_DOCUMENT.fullmatch(text) or _GROUPED_DOCUMENT.fullmatch(text))


def is_code(value: Any) -> bool:
    text = cell_text(value)
    if not _CODE.fullmatch(text) or not any(ch.isdigit() for ch in text) or is_date(value):
        return False
    return not is_written_amount(value)


def is_document_type(value: Any) -> bool:
    text = fold(cell_text(value)).strip(" .")
    return text in _DOCUMENT_TYPE_CODES or (any(word in text for word in _DOCUMENT_TYPE_WORDS) and len(text) <= 40)


def is_currency(value: Any) -> bool:
    text = cell_text(value)
    return len(text) <= 12 and currency_code(text) is not None


_PERIOD_WORDS = frozenset({"mensual", "monthly", "mes", "anual", "annual", "yearly", "cuota", "cuotas",
                           "installment", "installments"})
_RATE = re.compile(r"\d{1,2}(?:[.,]\d+)?\s?%|0[.,]\d{1,4}")


def is_period(value: Any) -> bool:
    return fold(cell_text(value)) in _PERIOD_WORDS


def is_rate(value: Any) -> bool:
    """A tax rate written so it can be nothing else: `13%`, `13 %`, `0.13`, `0,13`."""
    return bool(_RATE.fullmatch(cell_text(value)))


IVA_RATES = frozenset({Decimal(0), Decimal(1), Decimal(2), Decimal(4), Decimal(13)})
"""Costa Rica's IVA rates in percent, as a column of whole numbers writes them."""


def _rate_number(value: Any) -> Decimal | None:
    text = cell_text(value).replace("%", "").replace(",", ".").strip()
    return Decimal(text) if re.fullmatch(r"\d{1,3}(\.\d{1,4})?", text) else None


def rate_column(cells: Sequence[Any]) -> bool:
    """Tax rates: written as rates, or numbers that are all IVA rates (as percents or fractions) with the
    standard 13 % among them."""
    if share(cells, is_rate) >= SHARE:
        return True
    numbers = [_rate_number(cell) for cell in cells]
    percents = {n if n >= 1 else n * 100 for n in numbers if n is not None}
    return (None not in numbers and {p.normalize() for p in percents} <= IVA_RATES
            and Decimal(13) in percents)


def is_country_code(value: Any) -> bool:
    text = cell_text(value).removeprefix("+")
    return text.isdigit() and len(text) <= 3 and not text.startswith("0")


COUNTRY_CODES = frozenset({"506", "502", "503", "504", "505", "507", "52", "57", "58", "34"})
"""Calling codes of the countries a Costa Rican company's customers most often have phones in."""


def country_column(cells: Sequence[Any]) -> bool:
    """Calling codes: short numbers, few of them, one a code of the region."""
    codes = {cell_text(cell).removeprefix("+") for cell in cells}
    return share(cells, is_country_code) >= SHARE and len(codes) <= 3 and bool(codes & COUNTRY_CODES)


def is_text(value: Any) -> bool:
    text = cell_text(value)
    return sum(ch.isalpha() for ch in text) >= 3 and not is_email(value) and not is_date(value)


@dataclass(frozen=True)
class Kind:
    """One kind of contents a column may hold, as the report names it: most of its filled cells pass `test`,
    or `column` says so of the column as a whole."""

    name: str
    test: Callable[[Any], bool]
    column: Callable[[Sequence[Any]], bool] | None = None

    def fits(self, cells: Sequence[Any]) -> bool:
        """Whether a column's filled cells hold this kind."""
        if not cells:
            return False
        if self.column is not None:
            return self.column(cells)
        return share(cells, self.test) >= SHARE


def _plain_number(value: Any) -> Decimal | None:
    number = decimal_of(value)
    if number is not None:
        return number
    text = cell_text(value)
    return Decimal(text) if _DIGITS_ONLY.fullmatch(text) and not _long_digits(text) else None


def amount_column(cells: Sequence[Any]) -> bool:
    """Amounts: nearly all cells read as amounts, and some written so they can be nothing else (decimals,
    groups, a symbol) or large enough not to be a count (cuota 1, 2, 3)."""
    if share(cells, is_amount) < SHARE:
        return False
    if share(cells, is_written_amount) >= STRICT_SHARE:
        return True
    numbers = [number for cell in cells if (number := _plain_number(cell)) is not None]
    return bool(numbers) and max(numbers) >= 100


def code_column(cells: Sequence[Any]) -> bool:
    """Codes or references: nearly all cells a code, and the column no amounts."""
    return share(cells, is_code) >= SHARE and not amount_column(cells)


def date_column(cells: Sequence[Any]) -> bool:
    return serial_dates(cells) or share(cells, is_date) >= SHARE


def phone_column(cells: Sequence[Any]) -> bool:
    """Phones (seed 004's `1` for "no phone" among them)."""
    phones = share(cells, is_phone)
    return phones >= STRICT_SHARE and phones + share(cells, lambda cell: cell_text(cell) == "1") >= SHARE


KINDS: dict[str, Kind] = {
    "date": Kind("fechas", is_date, date_column),
    "amount": Kind("montos", is_amount, amount_column),
    "email": Kind("correos", is_email),
    "phone": Kind("teléfonos", is_phone, phone_column),
    "document": Kind("números de cédula", is_document),
    "document_type": Kind("tipos de documento", is_document_type),
    "code": Kind("códigos o referencias", is_code, code_column),
    "currency": Kind("monedas", is_currency),
    "text": Kind("texto", is_text),
    "period": Kind("periodos", is_period),
    "rate": Kind("tasas de impuesto", is_rate, rate_column),
    "country": Kind("códigos de país", is_country_code, lambda cells: country_column(cells)),
}


def is_value(value: Any) -> bool:
    """A cell that is data, not a title: a date, an amount, a cédula, a phone or an e-mail."""
    return any(test(value) for test in (is_date, is_written_amount, is_document, is_phone, is_email))


def table_rows(rows: Sequence[Sequence[Any]]) -> list[Sequence[Any]]:
    """The first rows that are the table's: as filled as most of them, give or take one empty cell (a page
    footer, a `Total` or `Saldo final` line, a note are not)."""
    sample = rows[:SAMPLE_ROWS]
    counts = [sum(1 for cell in row if cell_text(cell)) for row in sample]
    usual = Counter(count for count in counts if count >= 2).most_common(1)
    least = max(2, usual[0][0] - 1) if usual else 2
    return [row for row, count in zip(sample, counts, strict=True) if count >= least and not _summary_line(row)]


_SUMMARY = re.compile(r"(sub)?totale?s?\b|saldo (anterior|inicial|final|al corte)|resumen|cantidad de")


def _summary_line(row: Sequence[Any]) -> bool:
    first = next((cell_text(cell) for cell in row if cell_text(cell)), "")
    return bool(_SUMMARY.match(fold(first)))


def column_cells(rows: Sequence[Sequence[Any]], column: int) -> list[Any]:
    """The filled cells of one column among the first rows of the table."""
    return [row[column] for row in table_rows(rows) if column < len(row) and cell_text(row[column])]


def share(cells: Sequence[Any], test: Callable[[Any], bool]) -> float:
    return sum(1 for cell in cells if test(cell)) / len(cells) if cells else 0.0


@dataclass
class Guessed:
    """The roles taken by content (role -> column), what the report says about each, and a refusal when the
    contents cannot tell two columns apart for a role the file needs."""

    columns: dict[str, int]
    notes: list[str]
    refusal: str | None = None


def _column_name(column: int, labels: Sequence[str]) -> str:
    label = labels[column] if column < len(labels) else ""
    return f"columna {column + 1} («{label}»)" if label else f"columna {column + 1}"


def guess_roles(rows: Sequence[Sequence[Any]], labels: Sequence[str], taken: Mapping[str, int],
                wanted: Sequence[tuple[str, str, bool]], names: Mapping[str, str],
                kinds: Mapping[str, Kind] = KINDS) -> Guessed:
    """Each wanted (role, kind, required) not already taken, in order: the one free column whose cells are of
    that kind; two such columns for a required role is a refusal, for an optional one the role stays unset."""
    width = max((len(row) for row in rows[:SAMPLE_ROWS]), default=0)
    width = max(width, len(labels))
    used = set(taken.values())
    cells = {column: column_cells(rows, column) for column in range(width) if column not in used}
    found: dict[str, int] = {}
    notes: list[str] = []
    for role, kind_name, required in wanted:
        if role in taken or role in found:
            continue
        kind = kinds[kind_name]
        fits = [column for column, values in cells.items()
                if column not in found.values() and kind.fits(values)]
        if len(fits) == 1:
            found[role] = fits[0]
            notes.append(f"{_column_name(fits[0], labels)} tomada como «{names.get(role, role)}» por su contenido "
                         f"({kind.name})")
        elif len(fits) > 1 and required:
            columns = " y ".join(_column_name(column, labels) for column in fits)
            return Guessed(found, notes, f"no se sabe cuál es la columna «{names.get(role, role)}»: {columns} "
                                         f"tienen {kind.name}; póngale ese título a la que corresponde")
    return Guessed(found, notes)


def amounts_of(rows: Sequence[Sequence[Any]], column: int,
               parse: Callable[[Any], Decimal | None]) -> list[Decimal | None]:
    return [parse(row[column]) if column < len(row) and cell_text(row[column]) else None for row in rows]


def balance_explains(balance: Sequence[Decimal | None], change: Sequence[Decimal | None]) -> bool:
    """Whether a column is a running balance that each row's `change` moves (rows oldest first or newest
    first), in at least BALANCE_SHARE of the rows where both are there."""
    pairs = [(b, c) for b, c in zip(balance, change, strict=False) if b is not None and c is not None]
    if len(pairs) < 3:
        return False
    forward = sum(1 for (b0, _), (b1, c1) in itertools.pairwise(pairs) if b1 - b0 == c1)
    backward = sum(1 for (b0, c0), (b1, _) in itertools.pairwise(pairs) if b0 - b1 == c0)
    return max(forward, backward) >= BALANCE_SHARE * (len(pairs) - 1)


def _data_like(row: Sequence[Any]) -> bool:
    filled = [cell for cell in row if cell_text(cell)]
    return len(filled) >= 2 and any(is_value(cell) for cell in filled)


def _filled(rows: Sequence[Sequence[Any]], index: int) -> bool:
    return any(cell_text(cell) for cell in rows[index])


def table_start(rows: Sequence[Sequence[Any]], scan: int = HEADER_SCAN_ROWS) -> int | None:
    """The first row of data: holding values (dates, amounts, cédulas, phones, e-mails) as the next filled
    row does too (a lone `Saldo inicial; 1.000.000,00` above the titles is not the table)."""
    filled = [index for index in range(min(len(rows), scan + 2)) if _filled(rows, index)]
    for position, index in enumerate(filled):
        if _data_like(rows[index]) and (position + 1 == len(filled) or _data_like(rows[filled[position + 1]])):
            return index
    return None


Completer = Callable[[HeaderMatch], HeaderMatch]
"""Takes the titles found and adds the roles it can tell from the columns' contents (raising UnreadableTable
when the contents cannot tell columns apart)."""


def find_table(sheets: Sequence[Sheet], vocabulary: Vocabulary, complete: Callable[[Mapping[str, int]], bool],
               by_contents: Completer, preferred: Mapping[str, str] | None = None) -> HeaderMatch | None:
    """The table's titles and each role's column: by the titles (then the roles they leave out by contents),
    else, where titles say too little or there are none, by the contents of the columns under the row above
    the first row of data (reported)."""
    match = find_header(sheets, vocabulary, complete, preferred)
    if match is not None:
        return by_contents(match)
    for sheet in sheets:
        start = table_start(sheet.rows)
        if start is None:
            continue
        above = next((index for index in range(start - 1, -1, -1) if _filled(sheet.rows, index)), None)
        candidates: list[HeaderMatch] = []
        if above is not None and all(_title_cell(cell) for cell in sheet.rows[above] if cell_text(cell)):
            labels = [cell_text(cell) for cell in sheet.rows[above]]
            top = above - 1
            if top >= 0 and _filled(sheet.rows, top) and all(_title_cell(c) for c in sheet.rows[top] if cell_text(c)):
                top_labels = [cell_text(cell) for cell in sheet.rows[top]]
                if titles_below(top_labels, sheet.rows[above]):
                    both = two_row_labels(top_labels, sheet.rows[above])
                    columns, guessed = match_columns(both, vocabulary, preferred)
                    candidates.append(HeaderMatch(sheet, above, columns, guessed, both, title_rows=2))
            columns, guessed = match_columns(labels, vocabulary, preferred)
            candidates.append(HeaderMatch(sheet, above, columns, guessed, labels))
        else:
            width = max(len(row) for row in sheet.rows[start:start + SAMPLE_ROWS])
            candidates.append(HeaderMatch(sheet, start - 1, {}, {}, [""] * width, title_rows=0))
        for candidate in candidates:
            full = by_contents(candidate)
            if complete(full.columns):
                return full
        return by_contents(candidates[0])
    return None


def _title_cell(cell: Any) -> bool:
    return cell.__class__ is str and any(ch.isalpha() for ch in cell) and not is_value(cell)


CHECKED_KINDS = frozenset({"date", "amount", "rate", "period", "currency"})
"""Kinds whose cells are written the same everywhere: a title taken by similarity for a column where most
cells are not of its kind (`Imp. ventas` full of `13%` is no `Importe`) is dropped and the column told by
its contents instead."""


def completer(wanted: Sequence[tuple[str, str, bool]], names: Mapping[str, str],
              kinds: Mapping[str, Kind] = KINDS) -> Completer:
    """A Completer for the roles `wanted` ((role, kind, required), in the order they are told apart)."""

    def complete(match: HeaderMatch) -> HeaderMatch:
        body = match.sheet.rows[match.row + 1:]
        columns = dict(match.columns)
        for role, kind, _required in wanted:
            if role in match.guessed and role in columns and kind in CHECKED_KINDS and (
                    cells := column_cells(body, columns[role])) and share(cells, kinds[kind].test) < 0.5:
                del columns[role]
        guessed = guess_roles(body, match.labels, columns, wanted, names, kinds)
        if guessed.refusal:
            raise UnreadableTable(guessed.refusal)
        if not guessed.columns and columns == match.columns:
            return match
        return replace(match, columns={**columns, **guessed.columns}, notes=(*match.notes, *guessed.notes),
                       guessed={role: label for role, label in match.guessed.items() if role in columns},
                       by_contents=match.by_contents | set(guessed.columns))

    return complete
