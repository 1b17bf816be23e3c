"""Files people send in (CSV from Excel or a collections platform): their encoding and delimiter."""

from __future__ import annotations

ENCODINGS = ("utf-8-sig", "cp1252")
"""UTF-8 (with or without the BOM Excel adds), else Windows-1252: what Excel in Spanish writes as "CSV"."""


class UndecodableFile(ValueError):
    """Bytes that are neither UTF-8 nor Windows-1252; the message is meant for the operator."""


def decode_bytes(data: bytes) -> str:
    """The file's text in the first of `ENCODINGS` it decodes in; never a silent substitution."""
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UndecodableFile("el archivo no está en UTF-8 ni en Windows-1252: guárdelo como «CSV UTF-8»")


def sniff_delimiter(text: str) -> str:
    """Semicolon when the header has more semicolons than commas (Excel in es-CR), else comma."""
    first = text.split("\n", 1)[0]
    return ";" if first.count(";") > first.count(",") else ","
