"""Files people send in (CSV from Excel, a bank or a collections platform): their encoding, delimiter and rows."""

from __future__ import annotations

import codecs
import csv
import io
from collections import Counter
from collections.abc import Iterator

from currency.text.words import printable

ENCODINGS = ("utf-8-sig", "cp1252")
"""UTF-8 (with or without the BOM Excel adds), else Windows-1252: what Excel in Spanish writes as "CSV".
UTF-16 is read by its byte-order mark, or by the zero bytes of its ASCII text (Excel's "Texto Unicode")."""
DELIMITERS = (",", ";", "\t", "|")
SNIFF_LINES = 60
"""How many lines of a file are looked at to tell its delimiter."""
SPREADSHEET_SIGNATURES = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")
"""The first bytes of an XLSX (a zip) and of an old XLS: a workbook, not text."""


class UndecodableFile(ValueError):
    """Bytes that are neither UTF-8 nor Windows-1252; the message is meant for the operator."""


class BadRow(ValueError):
    """A row the CSV reader cannot split into cells; `line` is where it starts in the file."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"fila {line}: {reason}")
        self.line, self.reason = line, reason


def _utf16(data: bytes) -> str | None:
    """The text of a UTF-16 file: by its BOM, or by the zero bytes of ASCII text."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif len(data) >= 4 and data[1:8:2] == b"\0" * len(data[1:8:2]) and data[0:8:2].count(0) == 0:
        encoding = "utf-16-le"
    elif len(data) >= 4 and data[0:8:2] == b"\0" * len(data[0:8:2]) and data[1:8:2].count(0) == 0:
        encoding = "utf-16-be"
    else:
        return None
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise UndecodableFile("el archivo parece UTF-16 pero está dañado: guárdelo como «CSV UTF-8»") from error


def decode_bytes(data: bytes) -> str:
    """The file's text in the first of `ENCODINGS` it decodes in (or UTF-16), without control characters;
    never a silent substitution. Bytes with NUL in them are not text (a binary file, or a CSV damaged in a way
    nobody should import blindly)."""
    if data.startswith(SPREADSHEET_SIGNATURES):
        raise UndecodableFile("es un libro de Excel, no un CSV: en Excel use «Guardar como» > «CSV UTF-8»")
    text = _utf16(data)
    if text is None:
        for encoding in ENCODINGS:
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
    if text is None:
        raise UndecodableFile("el archivo no está en UTF-8 ni en Windows-1252: guárdelo como «CSV UTF-8»")
    if "\0" in text:
        raise UndecodableFile("el archivo tiene bytes nulos: no es un CSV de texto (guárdelo como «CSV UTF-8»)")
    return printable(text.removeprefix("\ufeff"))


def sniff_delimiter(text: str) -> str:
    """The separator that splits most lines into the same number of cells (quotes respected): `,` `;` tab or
    `|`; title lines above the table and totals below it do not decide. A comma when nothing splits."""
    sample = "\n".join(text.splitlines()[:SNIFF_LINES])
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        try:
            widths = [len(row) for row in csv.reader(io.StringIO(sample), delimiter=delimiter) if len(row) > 1]
        except csv.Error:
            continue
        if not widths:
            continue
        width, lines = Counter(widths).most_common(1)[0]
        score = (lines * width, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def csv_rows(text: str, delimiter: str | None = None) -> Iterator[tuple[int, list[str]]]:
    """Each row with the line of the file it starts on (a quoted cell may span lines). A row the reader cannot
    split raises BadRow with its line: a cell longer than the reader's limit, or a quote never closed (the
    lenient reader would silently make the rest of the file one cell)."""
    delimiter = delimiter or sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line = last = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            if text.count('"') % 2 and _ends_inside_quotes(text, delimiter):
                raise BadRow(last, 'unas comillas (") que no se cierran: el resto del archivo quedó en una sola '
                                   "celda") from None
            return
        except csv.Error as error:
            limit = f"{csv.field_size_limit():,}".replace(",", " ")
            reason = (f"una celda de más de {limit} caracteres: ¿unas comillas sin cerrar?"
                      if "field larger" in str(error) else f"no se puede leer la fila ({error})")
            raise BadRow(line, reason) from None
        last = line
        yield line, row
        line = reader.line_num + 1


def _ends_inside_quotes(text: str, delimiter: str) -> bool:
    try:
        for _ in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True):
            pass
    except csv.Error as error:
        return "unexpected end of data" in str(error)
    return False
