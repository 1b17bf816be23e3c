"""A pasted bank notification given as a file (`.txt`): its bytes as text, in whichever encoding a phone or
Windows saved it, and refused when they are not text at all (a binary file renamed `.txt` would otherwise
be read as noise in which a `$6` looks like an amount)."""

from __future__ import annotations

import codecs

from bot.ocr.errors import UnreadableReceipt

BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
"""Byte-order marks that name their encoding (Notepad's "Unicode" is UTF-16 with one)."""

MOST_NOISE = 0.02
"""Share of control or undecodable characters past which the bytes are not a text someone pasted."""

LAYOUT_CONTROLS = frozenset("\t\n\r\f\v")


def pasted_text(data: bytes) -> str:
    """The text of a pasted notification; `UnreadableReceipt` ("unsupported_type") when it is not text."""
    text = _decoded(data)
    noise = sum(1 for char in text if char == "\ufffd" or (char < " " and char not in LAYOUT_CONTROLS)
                or "\x7f" <= char < "\xa0")
    if "\x00" in text or noise > MOST_NOISE * max(len(text), 1):
        raise UnreadableReceipt("unsupported_type", "no es un texto: ¿un archivo de otro tipo con nombre .txt?")
    return text


def _decoded(data: bytes) -> str:
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return data.decode(encoding, "replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")
