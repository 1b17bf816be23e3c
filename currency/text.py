"""Reading operators' files and words: encodings, delimiters, headers and names compared without accents."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

_SPACES = re.compile(r"\s+")
_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_HEADER_PUNCTUATION = re.compile(r"[_\-.:/()]+")
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%Y/%m/%d")


def decode_bytes(data: bytes) -> str:
    """UTF-8 (with or without BOM) when it decodes, else Latin-1, as spreadsheets export them."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def sniff_delimiter(text: str) -> str:
    """Semicolon when the header has more semicolons than commas (Excel in es-CR), else comma."""
    first = text.split("\n", 1)[0]
    return ";" if first.count(";") > first.count(",") else ","


def strip_accents(text: str) -> str:
    if text.isascii():
        return text
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text))


def fold(text: str) -> str:
    """Lower-case, accent-free, single-spaced: the form two spellings of one word share."""
    return _SPACES.sub(" ", strip_accents(text).casefold()).strip()


def normalize_header(text: str) -> str:
    """`Celular_1 código país` -> `celular 1 codigo pais`, so headers match however they are written."""
    return _SPACES.sub(" ", _HEADER_PUNCTUATION.sub(" ", fold(text))).strip()


def parse_date(text: str) -> date | None:
    """ISO dates and the day-first forms spreadsheets in Costa Rica write; None when it is neither."""
    value = text.strip()
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    return None
