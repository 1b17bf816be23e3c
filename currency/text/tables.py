"""Tables people export (CSV in any of Excel's encodings and separators, or an XLSX workbook): their rows as
cells, the row holding the column titles wherever it stands, and which column plays which role, recognised
by its wording even when nobody listed that exact wording."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Any

from currency.text.dates import excel_date, numeric_parts, parse_date
from currency.text.files import BadRow, UndecodableFile, csv_rows, decode_bytes
from currency.text.words import normalize_header

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")

XLSX_MAGIC = b"PK\x03\x04"
MAX_XLSX_UNPACKED = 128 * 1024 * 1024
"""The most an XLSX may unpack to (200 000 rows of a bank export take far less): a small file that unpacks
to gigabytes is a zip bomb, refused before openpyxl reads it."""
HEADER_SCAN_ROWS = 40
"""How far down a sheet the row of column titles is looked for (titles, account and period lines above it)."""
MAX_HEADER_COLUMNS = 200
"""Only this many columns of a row are weighed as titles (a hostile row of a million cells stays cheap)."""
MATCH_THRESHOLD = 0.59
"""The least similarity between a header and a role's wording for the column to take that role (one word
of two in common, the other's first word being it: `Monto débito` is a debit)."""
STOPWORDS = frozenset({"de", "del", "la", "el", "los", "las", "en", "y", "e", "a", "por", "para", "n", "no", "nro",
                       "num", "numero", "nº", "n°", "movimiento", "transaccion", "of", "the"})
"""Words that say nothing about what a column holds (`Número de documento` is about the document)."""


class UnreadableTable(ValueError):
    """A file that is no table we can read; the message is meant for the operator."""


@dataclass(frozen=True)
class Sheet:
    """One sheet's rows as cells (CSV: text; XLSX: numbers, dates and text as typed); row i is line i + 1."""

    name: str
    rows: list[list[Any]]


def cell_text(value: Any) -> str:
    """A cell as text, single-spaced: `25000` for the number 25000.0, `2026-11-28` for a date cell."""
    if value.__class__ is str:
        text: str = value.strip()
        return text if text.isprintable() and "  " not in text else " ".join(text.split())
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return " ".join(str(value).split())


def _unpacked_size(data: bytes) -> int:
    """What the XLSX's parts unpack to, as its zip directory declares (zipfile never inflates past that)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return sum(item.file_size for item in archive.infolist())
    except (zipfile.BadZipFile, ValueError) as error:
        raise UnreadableTable(f"no es un XLSX legible: {type(error).__name__}") from error


def _xlsx_sheets(data: bytes, max_rows: int) -> list[Sheet]:
    from openpyxl import load_workbook

    if (unpacked := _unpacked_size(data)) > MAX_XLSX_UNPACKED:
        raise UnreadableTable(f"el XLSX se descomprime a {unpacked // 2**20} MB, más de los "
                              f"{MAX_XLSX_UNPACKED // 2**20} MB que puede ocupar una tabla: ¿es el archivo correcto?")
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:
        raise UnreadableTable(f"no es un XLSX legible: {type(error).__name__}") from error
    try:
        sheets = []
        for worksheet in book.worksheets:
            rows = [list(row) for _, row in zip(range(max_rows + 1), worksheet.iter_rows(values_only=True),
                                                strict=False)]
            sheets.append(Sheet(worksheet.title, _within(rows, max_rows)))
        return sheets
    finally:
        book.close()


def _csv_sheet(data: bytes, max_rows: int) -> Sheet:
    try:
        text = decode_bytes(data)
    except UndecodableFile as error:
        raise UnreadableTable(str(error)) from error
    if "\x00" in text:
        raise UnreadableTable("el archivo tiene bytes nulos: no es un CSV ni un XLSX")
    try:
        rows = [list(row) for _, (_, row) in zip(range(max_rows + 1), csv_rows(text), strict=False)]
    except BadRow as error:
        raise UnreadableTable(str(error)) from error
    return Sheet("CSV", _within(rows, max_rows))


def _within(rows: list[list[Any]], max_rows: int) -> list[list[Any]]:
    """The rows, or a refusal when there are more than we read: a table is never cut short silently."""
    while rows and not any(cell_text(cell) for cell in rows[-1]):
        rows.pop()
    if len(rows) > max_rows:
        raise UnreadableTable(f"el archivo tiene más de {max_rows} filas: divídalo en partes")
    return rows


def read_sheets(data: bytes, *, max_rows: int = 1_000_000) -> list[Sheet]:
    """Every sheet of an XLSX (by its signature), or the one table of a CSV in UTF-8, UTF-16 or Windows-1252
    with whichever of `,` `;` tab `|` separates it; a sheet longer than `max_rows` rows is refused."""
    if not data.strip():
        raise UnreadableTable("el archivo está vacío")
    if data.startswith(XLSX_MAGIC):
        return _xlsx_sheets(data, max_rows)
    return [_csv_sheet(data, max_rows)]


@lru_cache(maxsize=4096)
def _tokens(text: str) -> tuple[str, ...]:
    words = [word for word in re.split(r"[^0-9a-zñ]+|(?<=[a-zñ])(?=\d)|(?<=\d)(?=[a-zñ])", normalize_header(text))
             if word]
    meaningful = [word for word in words if word not in STOPWORDS]
    return tuple(meaningful or words)


def _singular(word: str) -> str:
    for ending in ("es", "s"):
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word


@lru_cache(maxsize=16384)
def _same_word(left: str, right: str) -> bool:
    if left == right or _singular(left) == _singular(right):
        return True
    shorter, longer = sorted((left, right), key=len)
    if (len(shorter) >= 3 or len(shorter) == 1) and longer.startswith(shorter) and not shorter.isdigit():
        return True
    return len(shorter) >= 5 and SequenceMatcher(None, left, right).ratio() >= 0.85


@lru_cache(maxsize=16384)
def similarity(header: str, wording: str) -> float:
    """0..0.99 (1 is for a wording we know exactly): how much a header says what a wording says; words in
    common, the first word (what Spanish names first is what the column is) counting double, abbreviations
    and plurals counting as the word, and a numbered column (`Celular 2`) only ever another of that number."""
    left, right = _tokens(header), _tokens(wording)
    if not left or not right:
        return 0.0
    numbers_left = {word for word in left if word.isdigit()}
    numbers_right = {word for word in right if word.isdigit()}
    if numbers_left != numbers_right and (numbers_right or numbers_left - {"1"}):
        return 0.0
    weights_left = [2.0] + [1.0] * (len(left) - 1)
    weights_right = [2.0] + [1.0] * (len(right) - 1)
    matched_left = sum(w for word, w in zip(left, weights_left, strict=True)
                       if any(_same_word(word, other) for other in right))
    matched_right = sum(w for word, w in zip(right, weights_right, strict=True)
                        if any(_same_word(word, other) for other in left))
    return 0.99 * (matched_left + matched_right) / (sum(weights_left) + sum(weights_right))


@dataclass(frozen=True)
class Vocabulary:
    """Each role's wordings, the roles in the order they win a tie, and words that rule a role out (a
    `Monto débito` column is not a signed `Monto`)."""

    wordings: Mapping[str, Sequence[str]]
    blocked: Mapping[str, Collection[str]] = field(default_factory=dict)
    exact: Mapping[str, str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        exact = {normalize_header(w): role for role, words in self.wordings.items() for w in words}
        object.__setattr__(self, "exact", exact)

    def score(self, header: str, role: str) -> float:
        normalized = normalize_header(header)
        if not normalized or not re.search(r"[a-z]", normalized):
            return 0.0
        if self.exact.get(normalized) == role:
            return 1.0
        tokens = set(_tokens(header))
        if any(_same_word(word, blocked) for word in tokens for blocked in self.blocked.get(role, ())):
            return 0.0
        return max((similarity(header, wording) for wording in self.wordings[role]), default=0.0)


@dataclass(frozen=True)
class HeaderMatch:
    """The row of titles found: its sheet, its index in the sheet's rows, each role's column, and which roles
    were recognised by similarity rather than by a wording we know."""

    sheet: Sheet
    row: int
    columns: dict[str, int]
    guessed: dict[str, str]
    labels: list[str]
    title_rows: int = 1
    """2 when the titles take two rows (a merged «Monto» above «Débito» and «Crédito»); 0 when there are none."""
    notes: tuple[str, ...] = ()
    """Columns taken by their contents, as the report says them."""
    by_contents: frozenset[str] = frozenset()
    """The roles taken by their column's contents rather than its title."""

    def where(self) -> str:
        """Where the titles are, for the report ("" when on the first line as usual)."""
        sheet = f" de la hoja «{self.sheet.name}»" if self.sheet.name != "CSV" else ""
        if self.title_rows == 0:
            return "el archivo no trae fila de títulos: columnas tomadas por su contenido" + sheet
        if self.title_rows == 2:
            return f"títulos en las filas {self.row} y {self.row + 1}{sheet}"
        return f"títulos en la fila {self.row + 1}{sheet}" if self.row or sheet else ""

    def label(self, role: str) -> str:
        index = self.columns.get(role)
        return self.labels[index] if index is not None and index < len(self.labels) else role


def match_columns(headers: Sequence[str], vocabulary: Vocabulary,
                  preferred: Mapping[str, str] | None = None) -> tuple[dict[str, int], dict[str, str]]:
    """role -> column for one row of titles (one column per role, the best match first), and the roles taken
    by similarity (role -> the header as written). `preferred` (role -> exact header) wins over anything."""
    candidates: list[tuple[float, int, int, str]] = []
    order = list(vocabulary.wordings)
    wanted = {normalize_header(h): role for role, h in (preferred or {}).items() if h}
    for column, header in enumerate(headers[:MAX_HEADER_COLUMNS]):
        normalized = normalize_header(header)
        if not normalized or len(normalized) > 80:
            continue
        if normalized in wanted:
            candidates.append((2.0, 0, column, wanted[normalized]))
        for role in order:
            score = vocabulary.score(header, role)
            if score >= MATCH_THRESHOLD:
                candidates.append((score, -order.index(role), column, role))
    candidates.sort(key=lambda item: (item[0], item[1], -item[2]), reverse=True)
    columns: dict[str, int] = {}
    guessed: dict[str, str] = {}
    taken: set[int] = set()
    for score, _priority, column, role in candidates:
        if role in columns or column in taken:
            continue
        columns[role] = column
        taken.add(column)
        if score < 1.0:
            guessed[role] = headers[column]
    return columns, guessed


def find_header(sheets: Iterable[Sheet], vocabulary: Vocabulary, complete: Any,
                preferred: Mapping[str, str] | None = None, scan: int = HEADER_SCAN_ROWS) -> HeaderMatch | None:
    """The row of titles: among the first `scan` rows of each sheet, the one whose columns take the most
    roles, provided `complete(columns)` says the roles it needs are there; None when no row does."""
    best: tuple[tuple[int, float, int], HeaderMatch] | None = None
    for sheet in sheets:
        for index, row in enumerate(sheet.rows[:scan]):
            labels = [cell_text(cell) for cell in row]
            if sum(1 for label in labels if label) < 2:
                continue
            candidates = [(labels, index, 1)]
            if index + 1 < len(sheet.rows) and titles_below(labels, sheet.rows[index + 1]):
                candidates.append((two_row_labels(labels, sheet.rows[index + 1]), index + 1, 2))
            for written, at, rows in candidates:
                columns, guessed = match_columns(written, vocabulary, preferred)
                if not complete(columns):
                    continue
                rank = (len(columns), -float(len(guessed)), -rows)
                if best is None or rank > best[0]:
                    best = (rank, HeaderMatch(sheet, at, columns, guessed, written, title_rows=rows))
        if best is not None:
            break
    return best[1] if best is not None else None


def _is_title(cell: Any) -> bool:
    return cell.__class__ is str and any(ch.isalpha() for ch in cell) and cell_date(cell) is None


def titles_below(top: Sequence[str], below: Sequence[Any]) -> bool:
    """Whether a row is the second line of titles under `top`: only titles, at least one of them under a
    blank or merged cell of `top` or splitting one of its titles."""
    filled = [cell for cell in below if cell_text(cell)]
    if not filled or not all(_is_title(cell) for cell in filled):
        return False
    under = [index for index, cell in enumerate(below) if cell_text(cell)]
    return any(index >= len(top) or not top[index] for index in under) and len(filled) < max(
        2, sum(1 for label in top if label))


def two_row_labels(top: Sequence[str], below: Sequence[Any]) -> list[str]:
    """One title per column from two rows of titles: the lower one where there is one (`Débito` under a merged
    `Monto`), else the upper one."""
    width = max(len(top), len(below))
    return [cell_text(below[index]) if index < len(below) and cell_text(below[index])
            else (top[index] if index < len(top) else "") for index in range(width)]


def text_of_rows(rows: Iterable[Sequence[Any]]) -> str:
    """The cells of some rows as one line of text (to look for a bank's name above the titles)."""
    return " ".join(cell_text(cell) for row in rows for cell in row if cell is not None)


def decimal_of(value: Any) -> Decimal | None:
    """A number cell of an XLSX as a Decimal (its shortest decimal form); None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    return None


def cell_date(value: Any, *, month_first: bool = False) -> date | None:
    """The day a date cell holds: an XLSX date or datetime, an Excel serial number (as a number or five digits),
    an ISO day, or a date as people write it (day first unless the column is known to be month first); None
    when it is none of these."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    number = decimal_of(value)
    if number is not None:
        return excel_date(int(number)) if number == int(number) else None
    text = cell_text(value)
    if _ISO_DAY.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            return None
    if text.isdigit() and len(text) == 5:
        return excel_date(text)
    return parse_date(text, month_first=month_first) if text else None


COMPACT_DAYS = 31
"""A statement's dates that fall within a month read day first, and spread over months read month first,
confirm the day-first reading without a day above 12."""


@dataclass(frozen=True)
class DateOrder:
    """How one column's dates written all in numbers are read (`05/11/2026`: 5 November or May 11), and what
    the report says about it: a note when nothing in the file confirms the reading, a refusal when the column
    contradicts itself."""

    month_first: bool = False
    evidence: str = ""
    note: str | None = None
    refusal: str | None = None


def _order_evidence(values: Iterable[tuple[int, Any]]) -> tuple[list[tuple[int, str]], list[tuple[int, str]],
                                                                  list[tuple[int, int, int]]]:
    day_first: list[tuple[int, str]] = []
    month_first: list[tuple[int, str]] = []
    ambiguous: list[tuple[int, int, int]] = []
    for line, value in values:
        if value.__class__ is not str:
            continue
        parts = numeric_parts(value)
        if parts is None:
            continue
        first, second = parts
        if first > 12 >= second:
            day_first.append((line, value.strip()))
        elif second > 12 >= first:
            month_first.append((line, value.strip()))
        elif first != second:
            ambiguous.append((line, first, second))
    return day_first, month_first, ambiguous


def date_order(label: str, values: Iterable[tuple[int, Any]], file_month_first: bool | None = None) -> DateOrder:
    """Day first or month first for one column, from its own values (a day above 12 in either place), else
    from the file's other date columns (`file_month_first`), else day first as Costa Rica writes it; a
    column with both kinds is refused rather than half read wrong. `values` are (spreadsheet line, cell)."""
    day_first, month_first, ambiguous = _order_evidence(values)
    if day_first and month_first:
        (line_d, written_d), (line_m, written_m) = day_first[0], month_first[0]
        return DateOrder(refusal=f"la columna «{label}» mezcla fechas día/mes («{written_d}», fila {line_d}) y "
                                 f"mes/día («{written_m}», fila {line_m}): escríbalas todas igual, mejor como "
                                 "AAAA-MM-DD")
    if month_first:
        line, written = month_first[0]
        return DateOrder(True, f"«{written}» (fila {line})",
                         note=f"columna «{label}»: fechas leídas mes/día, como «{written}» (fila {line})")
    if day_first:
        line, written = day_first[0]
        return DateOrder(False, f"«{written}» (fila {line})")
    if file_month_first is not None and ambiguous:
        way = "mes/día" if file_month_first else "día/mes"
        return DateOrder(file_month_first, "", note=f"columna «{label}»: fechas leídas {way}, como las demás "
                                                    "fechas del archivo")
    if not ambiguous:
        return DateOrder()
    years = {line: 2000 for line, _f, _s in ambiguous}
    day_span = _span([(years[line], second, first) for line, first, second in ambiguous])
    month_span = _span([(years[line], first, second) for line, first, second in ambiguous])
    if day_span <= COMPACT_DAYS < month_span:
        return DateOrder()
    return DateOrder(note=f"columna «{label}»: fechas leídas día/mes (DD/MM/AAAA); ninguna tiene un día mayor que "
                          "12 que lo confirme: revise que no vengan mes/día")


def _span(parts: Sequence[tuple[int, int, int]]) -> int:
    days = [date(year, month, day).toordinal() for year, month, day in parts
            if 1 <= month <= 12 and 1 <= day <= 28]
    return max(days) - min(days) if days else 0


def file_date_order(orders: Iterable[DateOrder]) -> bool | None:
    """What the file's columns with evidence say (month first or not); None when none says or they differ."""
    said = {order.month_first for order in orders if order.evidence and order.refusal is None}
    return said.pop() if len(said) == 1 else None
