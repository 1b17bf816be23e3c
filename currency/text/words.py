"""Words compared the way people mean them: without accents, case or extra spaces."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_HEADER_PUNCTUATION = re.compile(r"[_\-.:/()]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def strip_accents(text: str) -> str:
    """`Peña Solís` -> `Pena Solis`: letters kept, their accents and tildes dropped."""
    if text.isascii():
        return text
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text))


def fold(text: str) -> str:
    """Lower-case, accent-free, single-spaced: the form two spellings of one word share."""
    return _SPACES.sub(" ", strip_accents(text).casefold()).strip()


def normalize_header(text: str) -> str:
    """`Celular_1 código país` -> `celular 1 codigo pais`, so headers match however they are written."""
    return _SPACES.sub(" ", _HEADER_PUNCTUATION.sub(" ", fold(text))).strip()


def printable(text: str) -> str:
    """`text` without NUL, the other control characters (kept: tab, line feed, carriage return) and the
    bidirectional overrides, which no person types: PostgreSQL refuses NUL in text, escape sequences would act
    on an operator's terminal, and an override shows a file name or amount reversed on a staff card."""
    return _CONTROL.sub("", text)
