"""Files people send in (CSV from Excel or a collections platform): their encoding, delimiter and rows."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator

from currency.text.words import printable

ENCODINGS = ("utf-8-sig", "cp1252")
"""UTF-8 (with or without the BOM Excel adds), else Windows-1252: what Excel in Spanish writes as "CSV"."""
DELIMITERS = (",", ";", "\t")
"""Comma, semicolon (Excel in es-CR) and tab (Excel's "Texto Unicode")."""
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
    """The text of a UTF-16 file (Excel's "Texto Unicode"): by its BOM, or by the zero bytes of ASCII text."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif len(data) >= 4 and data[1:8:2] == b"\0" * len(data[1:8:2]) and b"\0" not in data[0:8:2]:
        encoding = "utf-16-le"
    elif len(data) >= 4 and data[0:8:2] == b"\0" * len(data[0:8:2]) and b"\0" not in data[1:8:2]:
        encoding = "utf-16-be"
    else:
        return None
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise UndecodableFile("el archivo parece UTF-16 pero está dañado: guárdelo como «CSV UTF-8»") from error


def decode_bytes(data: bytes) -> str:
    """The file's text in the first of `ENCODINGS` it decodes in (or UTF-16), without control characters;
    never a silent substitution."""
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
    return printable(text.removeprefix("\ufeff"))


def sniff_delimiter(text: str) -> str:
    """The delimiter the header line uses most: semicolon (Excel in es-CR), tab or comma (the default)."""
    first = text.split("\n", 1)[0]
    return max(DELIMITERS, key=first.count) if any(d in first for d in DELIMITERS) else ","


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
