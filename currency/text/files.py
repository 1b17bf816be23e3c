"""Files people send in (CSV from Excel, a bank or a collections platform): their encoding and delimiter."""

from __future__ import annotations

import csv
import io
from collections import Counter

ENCODINGS = ("utf-8-sig", "cp1252")
"""UTF-8 (with or without the BOM Excel adds), else Windows-1252: what Excel in Spanish writes as "CSV".
UTF-16 is read when the file says so with its byte-order mark (Excel's "Texto Unicode")."""
DELIMITERS = (",", ";", "\t", "|")
SNIFF_LINES = 60
"""How many lines of a file are looked at to tell its delimiter."""


class UndecodableFile(ValueError):
    """Bytes that are neither UTF-8 nor Windows-1252; the message is meant for the operator."""


def _utf16(data: bytes) -> str | None:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif len(data) >= 4 and data[1:8:2] == b"\0" * len(data[1:8:2]) and data[0:8:2].count(0) == 0:
        encoding = "utf-16-le"
    else:
        return None
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def decode_bytes(data: bytes) -> str:
    """The file's text in the first of `ENCODINGS` it decodes in (or UTF-16 with its mark); never a silent
    substitution."""
    text = _utf16(data)
    if text is not None:
        return text.removeprefix("\ufeff")
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UndecodableFile("el archivo no está en UTF-8 ni en Windows-1252: guárdelo como «CSV UTF-8»")


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
