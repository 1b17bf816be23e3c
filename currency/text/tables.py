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

from currency.text.dates import excel_date, parse_date
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
    best: tuple[tuple[int, float], HeaderMatch] | None = None
    for sheet in sheets:
        for index, row in enumerate(sheet.rows[:scan]):
            labels = [cell_text(cell) for cell in row]
            if sum(1 for label in labels if label) < 2:
                continue
            columns, guessed = match_columns(labels, vocabulary, preferred)
            if not complete(columns):
                continue
            rank = (len(columns), -float(len(guessed)))
            if best is None or rank > best[0]:
                best = (rank, HeaderMatch(sheet, index, columns, guessed, labels))
        if best is not None:
            break
    return best[1] if best is not None else None


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


def cell_date(value: Any) -> date | None:
    """The day a date cell holds: an XLSX date or datetime, an Excel serial number (as a number or five digits),
    an ISO day, or a date as people write it; None when it is none of these."""
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
    return parse_date(text) if text else None
